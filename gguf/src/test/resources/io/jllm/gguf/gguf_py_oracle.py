"""Oracle for jLLM's GGUF interop test (GgufPyInteropTest): reads and writes GGUF with llama.cpp's gguf-py.

    describe FILE      print the file as GgufPyInteropTest renders it too: one line per header fact,
                       metadata key and tensor (strings as UTF-8 hex, floats as their bit patterns)
    copy SRC DST       read SRC with GGUFReader and write every key and tensor to DST with GGUFWriter

Run with PYTHONPATH pointing at llama.cpp's gguf-py.
"""
import hashlib
import sys

import numpy as np
from gguf import GGUFReader, GGUFValueType, GGUFWriter


def scalar(vtype, part):
    if vtype == GGUFValueType.STRING:
        return bytes(part).hex()
    if vtype == GGUFValueType.FLOAT32:
        return '%08x' % int(part.view(np.uint32)[0])
    if vtype == GGUFValueType.FLOAT64:
        return '%016x' % int(part.view(np.uint64)[0])
    if vtype == GGUFValueType.BOOL:
        return '1' if bool(part[0]) else '0'
    return str(int(part[0]))


def describe(path):
    reader = GGUFReader(path)
    out = ['version\t%d' % int(reader.fields['GGUF.version'].parts[0][0]),
           'alignment\t%d' % int(reader.alignment),
           'data_offset\t%d' % int(reader.data_offset)]
    for name, field in reader.fields.items():
        if name.startswith('GGUF.'):
            continue
        main = field.types[0]
        if main == GGUFValueType.ARRAY:
            sub = field.types[1]
            values = ','.join(scalar(sub, field.parts[i]) for i in field.data)
            out.append('kv\t%s\tARRAY:%s\t%s' % (name, sub.name, values))
        else:
            out.append('kv\t%s\t%s\t%s' % (name, main.name, scalar(main, field.parts[field.data[0]])))
    for t in reader.tensors:
        digest = hashlib.sha256(np.ascontiguousarray(t.data).tobytes()).hexdigest()
        dims = ','.join(str(int(d)) for d in t.shape)
        out.append('tensor\t%s\t%d\t%s\t%d\t%d\t%s' % (t.name, int(t.tensor_type), dims,
                                                      t.data_offset - reader.data_offset, t.n_bytes, digest))
    sys.stdout.write('\n'.join(out) + '\n')


def copy(src, dst):
    reader = GGUFReader(src)
    arch = reader.fields['general.architecture'].contents()
    writer = GGUFWriter(dst, arch)
    for name, field in reader.fields.items():
        # GGUF.* are the reader's header pseudo-fields; the architecture was added by the constructor.
        if name.startswith('GGUF.') or name == 'general.architecture':
            continue
        main = field.types[0]
        if main == GGUFValueType.ARRAY:
            writer.add_key_value(name, field.contents(), main, sub_type=field.types[1])
        else:
            writer.add_key_value(name, field.contents(), main)
        if name == 'general.alignment':
            writer.data_alignment = int(field.contents())
    for t in reader.tensors:
        writer.add_tensor(t.name, t.data, raw_dtype=t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'describe':
        describe(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == 'copy':
        copy(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
