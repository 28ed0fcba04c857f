package io.jllm.models.cli;

import io.jllm.models.synth.Ftype;
import io.jllm.models.synth.ModelPreset;
import java.util.Arrays;
import java.util.Iterator;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters whose errors list the valid values. */
final class Converters {
    private Converters() {
    }

    static final class PresetConverter implements ITypeConverter<ModelPreset> {
        @Override
        public ModelPreset convert(String value) {
            try {
                return ModelPreset.byName(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class FtypeConverter implements ITypeConverter<Ftype> {
        @Override
        public Ftype convert(String value) {
            try {
                return Ftype.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class PresetNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ModelPreset.all().stream().map(ModelPreset::name).iterator();
        }
    }

    static final class FtypeNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Ftype.values()).map(Enum::name).iterator();
        }
    }
}
