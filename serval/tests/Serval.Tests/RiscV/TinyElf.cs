using System.Buffers.Binary;

namespace Serval.Tests.RiscV;

/// <summary>Writes the smallest ELF64 RISC-V executable the reader accepts: a null section, .text at 0x10000, .shstrtab.</summary>
internal static class TinyElf
{
    public const ulong TextAddress = 0x10000;

    public static byte[] Build(uint[] words)
    {
        var names = "\0.text\0.shstrtab\0"u8.ToArray();
        var code = new byte[words.Length * 4];
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(code.AsSpan(i * 4), words[i]);
        }
        var textOffset = 64;
        var namesOffset = textOffset + code.Length;
        var headersOffset = (namesOffset + names.Length + 7) & ~7;
        var file = new byte[headersOffset + (3 * 64)];
        ((byte[])[0x7F, (byte)'E', (byte)'L', (byte)'F']).CopyTo(file, 0);
        file[4] = 2;
        file[5] = 1;
        file[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(16), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(18), 243);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(24), TextAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(40), (ulong)headersOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(52), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(58), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(60), 3);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(62), 2);
        code.CopyTo(file, textOffset);
        names.CopyTo(file, namesOffset);
        Section(file, headersOffset + 64, name: 1, type: 1, flags: 6, TextAddress, textOffset, code.Length);
        Section(file, headersOffset + 128, name: 7, type: 3, flags: 0, 0, namesOffset, names.Length);
        return file;
    }

    private static void Section(byte[] file, int at, uint name, uint type, ulong flags, ulong address, int offset, int size)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), name);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at + 4), type);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at + 8), flags);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at + 16), address);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at + 24), (ulong)offset);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at + 32), (ulong)size);
    }
}
