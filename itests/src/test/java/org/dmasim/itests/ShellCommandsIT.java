package org.dmasim.itests;

import static org.junit.Assert.assertEquals;
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
            assertTrue(table, table.contains("stub-board  ?     BOOTED"));

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
