package org.dmasim.shell.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.junit.jupiter.api.Test;

class CommandHelpTest {
    /** Commands as the shell's command classes write them (the module compiles with -parameters). */
    public static class Sample {
        @Descriptor("allocate for a device")
        public String alloc(@Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor("platform") String platform,
            @Descriptor("device name") String device, @Descriptor("bytes") String size) {
            return "";
        }

        @Descriptor("allocate for a device")
        public String alloc(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform, String device,
            String size, @Descriptor("attributes") String attrs) {
            return "";
        }

        @Descriptor("free what alloc returned")
        public String free(@Descriptor("the allocation") Object allocation) {
            return "";
        }

        @Descriptor("free what alloc returned")
        public String free(CommandSession session, String device, String size,
            @Parameter(names = {"--force"}, absentValue = "false", presentValue = "true") boolean force) {
            return "";
        }
    }

    @Test
    void overloadsThatExtendEachOther_mergeIntoOptionalTail() {
        CommandHelp.Command c = CommandHelp.describe(Sample.class, "dma", "alloc");
        assertEquals(List.of("dma:alloc DEVICE SIZE [ATTRS] [-p PLATFORM]"), c.usages());
        assertEquals("allocate for a device", c.description());
        assertTrue(c.dmasim(), "a class in org.dmasim.* is one of dmasim's commands");
    }

    @Test
    void otherOverloads_ownLines_sessionHidden_flagsWithoutValue() {
        CommandHelp.Command c = CommandHelp.describe(Sample.class, "dma", "free");
        assertEquals(List.of("dma:free ALLOCATION", "dma:free DEVICE SIZE [--force]"), c.usages());
        assertEquals(String.join("\n",
            "dma:free - free what alloc returned",
            "usage: dma:free ALLOCATION",
            "       dma:free DEVICE SIZE [--force]",
            "  ALLOCATION  the allocation",
            "  DEVICE",
            "  SIZE",
            "  --force"), HelpText.detail(c));
    }

    @Test
    void detail_describesEachParameterOnce() {
        String d = HelpText.detail(CommandHelp.describe(Sample.class, "dma", "alloc"));
        assertTrue(d.contains("\n  DEVICE                   device name\n"), d);
        assertTrue(d.contains("\n  -p, --platform PLATFORM  platform"), d);
        assertEquals(1, d.split("DEVICE  ", -1).length - 1, d);
    }

    @Test
    void suggestions_closestNamesOnly_withOrWithoutScope() {
        List<String> names = List.of("dma:dma_alloc_coherent", "dma:dma_alloc_noncoherent", "dma:dma_free_coherent",
            "cma:cma_alloc", "dmasim:__complete", "gogo:__files", "mm:__free_pages");
        assertEquals(List.of("dma:dma_alloc_coherent"), CommandSuggestions.suggestions("dma_alloc_coherant", names));
        assertEquals(List.of("dma:dma_alloc_coherent"), CommandSuggestions.suggestions("dma:dma_alloc_coherant", names));
        assertEquals(List.of("cma:cma_alloc"), CommandSuggestions.suggestions("dma_alloc", names));
        assertEquals(List.of("mm:__free_pages"), CommandSuggestions.suggestions("__free_page", names));
        assertEquals(List.of(), CommandSuggestions.suggestions("__complet", names), "the console's plumbing is never offered");
        assertEquals(List.of(), CommandSuggestions.suggestions("xyz", names));
        assertEquals("", CommandSuggestions.didYouMean("xyz", names));
        assertEquals(" (did you mean dma:dma_alloc_coherent?)", CommandSuggestions.didYouMean("dma_alloc_coherant", names));
    }

    @Test
    void distance_countsSwapsOfNeighboursAsOne() {
        assertEquals(0, CommandSuggestions.distance("abc", "abc"));
        assertEquals(1, CommandSuggestions.distance("abc", "acb"));
        assertEquals(1, CommandSuggestions.distance("abc", "ab"));
        assertEquals(3, CommandSuggestions.distance("", "abc"));
    }
}
