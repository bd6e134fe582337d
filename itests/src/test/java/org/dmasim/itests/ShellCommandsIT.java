package org.dmasim.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Hashtable;
import java.util.Optional;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.shell.format.ShellErrors;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceRegistration;

/**
 * The {@code dmasim:} Gogo commands, run through Gogo's CommandProcessor as a user's script
 * would. The platform here is a stub registered by the test, so this checks the shell's
 * wiring (DS references, command registration, the DTO converter) on its own.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellCommandsIT extends DmasimTestSupport {

    @Inject
    CommandProcessor processor;

    @Test
    public void platformsAndBootlog_formattedThroughTheConverter() throws Exception {
        ServiceRegistration<Platform> reg = registerStub("stub-board");
        try {
            String table = execute("dmasim:platforms");
            assertTrue(table, table.startsWith("NAME"));
            assertTrue(table, table.contains("stub-board  ?     ?       BOOTED"));

            assertEquals("Zone ranges:\n  DMA32    empty\ndmasim: stub platform", execute("bootlog stub-board"));
        } finally {
            reg.unregister();
        }
    }

    @Test
    public void unknownPlatform_clearError() throws Exception {
        try {
            execute("dmasim:bootlog no-such-board");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("no platform named 'no-such-board'"));
            return;
        }
        throw new AssertionError("bootlog of an unknown platform must fail");
    }

    /**
     * {@code help} lists dmasim's commands first with a description each; {@code help NAME}
     * shows the usage from the annotations; a mistyped command names the closest one; a wrong
     * argument list prints the usage; none of it shows a Java class name.
     */
    @Test
    public void help_usage_andSuggestions() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), ps, ps)) {
            session.put("SCOPE", "dmasim:*");
            String help = session.format(session.execute("help"), Converter.INSPECT).toString();
            assertTrue(help, help.startsWith("dmasim commands (help NAME shows a command's parameters and options;"));
            int own = help.indexOf("\n  dma:dma_alloc_coherent DEVICE SIZE GFP [ATTRS]\n      coherent memory for a device");
            int others = help.indexOf("Gogo shell commands:");
            assertTrue(help, own > 0 && others > own);
            assertTrue(help, help.contains("\n  dma:dma_set_mask DEVICE MASK\n      set the streaming DMA mask"));
            assertTrue(help, help.contains("\n  dma:dma_free_coherent ALLOCATION | DEVICE SIZE CPU_ADDR DMA_HANDLE\n"));
            assertFalse(help, help.contains("__complete"));

            String detail = session.format(session.execute("help dma_set_mask"), Converter.INSPECT).toString();
            assertEquals(String.join("\n",
                "dma:dma_set_mask - set the streaming DMA mask; 0, or -5 (-EIO) when the platform cannot honour it",
                "usage: dma:dma_set_mask DEVICE MASK [-p PLATFORM]",
                "  DEVICE                   device name (dma:devices lists them)",
                "  MASK                     a bit count (32) or a 0x mask",
                "  -p, --platform PLATFORM  platform name (default: the only one)"), detail);

            assertEquals("dma_alloc_coherant: command not found (did you mean dma:dma_alloc_coherent?)",
                failure(session, "dma_alloc_coherant dev 4K GFP_KERNEL"));
            assertEquals("usage: dma:dma_alloc_coherent DEVICE SIZE GFP [ATTRS] [-p PLATFORM]",
                failure(session, "dma:dma_alloc_coherent dev"));
            assertEquals("usage: mm:alloc_pages GFP ORDER [-p PLATFORM]", failure(session, "mm:alloc_pages GFP_KERNEL two"));
            assertEquals("help: no command 'dma_alloc' (did you mean cma:cma_alloc?)", failure(session, "help dma_alloc"));
        }
    }

    private static String failure(CommandSession session, String line) {
        try {
            session.execute(line);
        } catch (Exception e) {
            return ShellErrors.message(e, session);
        }
        throw new AssertionError(line + " must fail");
    }

    /** Runs one command line and formats its result the way the Gogo console prints it. */
    private String execute(String commandLine) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), ps, ps)) {
            Object result = session.execute(commandLine);
            return out.toString(StandardCharsets.UTF_8) + (result == null ? "" : session.format(result, Converter.INSPECT));
        }
    }

    private ServiceRegistration<Platform> registerStub(String name) {
        BootLog log = new BootLog();
        log.info("Zone ranges:");
        log.info("  DMA32    empty");
        log.dmasim("stub platform");
        Platform stub = new Platform() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public State state() {
                return State.BOOTED;
            }

            @Override
            public Optional<String> failure() {
                return Optional.empty();
            }

            @Override
            public PlatformSpec spec() {
                throw new IllegalStateException("stub has no spec");
            }

            @Override
            public BootLog bootLog() {
                return log;
            }

            @Override
            public <T> Optional<T> lookup(Class<T> type) {
                return Optional.empty();
            }
        };
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Platform.PLATFORM_PROPERTY, name);
        props.put(Platform.STATE_PROPERTY, Platform.State.BOOTED.name());
        return context.registerService(Platform.class, stub, props);
    }
}
