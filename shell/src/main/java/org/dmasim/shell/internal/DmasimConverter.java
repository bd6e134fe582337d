package org.dmasim.shell.internal;

import org.apache.felix.service.command.Converter;
import org.dmasim.shell.format.ShellFormatter;
import org.osgi.service.component.annotations.Component;

/**
 * Lets Gogo print the shell's DTOs: the console (and {@code dmasim run}) formats every
 * command result through the registered converters before its default rendering.
 */
@Component(service = Converter.class)
public class DmasimConverter implements Converter {
    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null; // formats only; no argument conversion
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        return ShellFormatter.formatAny(target);
    }
}
