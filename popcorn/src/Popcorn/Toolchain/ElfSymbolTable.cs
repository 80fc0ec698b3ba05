using System.Buffers.Binary;
using System.Text;

namespace Popcorn.Toolchain;

/// <summary>The kind of an ELF symbol (<c>STT_*</c>) the toolchain cares about.</summary>
public enum ElfSymbolKind
{
    /// <summary>Anything else (<c>STT_NOTYPE</c>, sections, files).</summary>
    Other,

    /// <summary>A data object (<c>STT_OBJECT</c>).</summary>
    Object,

    /// <summary>A function (<c>STT_FUNC</c>).</summary>
    Function,

    /// <summary>A thread-local object (<c>STT_TLS</c>); its value is its offset in the TLS template.</summary>
    ThreadLocal,
}

/// <summary>A defined symbol of an ELF file.</summary>
/// <param name="Name">The symbol's name.</param>
/// <param name="Scope">The source file of a local symbol (its preceding <c>STT_FILE</c>), empty for global symbols.</param>
/// <param name="Value">Its address (for <see cref="ElfSymbolKind.ThreadLocal"/>, the offset in the TLS template).</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Kind">Function, object or thread-local object.</param>
/// <param name="Section">The name of the section that holds it.</param>
public sealed record ElfSymbol(string Name, string Scope, ulong Value, ulong Size, ElfSymbolKind Kind, string Section);

/// <summary>Reads the machine, sections and defined symbols of a 64-bit little-endian ELF file.</summary>
public sealed class ElfSymbolTable
{
    private ElfSymbolTable(ushort machine, IReadOnlyList<ElfSymbol> symbols, IReadOnlyList<(string Name, ulong Address, ulong Size)> sections)
    {
        Machine = machine;
        Symbols = symbols;
        Sections = sections;
    }

    /// <summary>The ELF <c>e_machine</c> (183 aarch64, 243 riscv).</summary>
    public ushort Machine { get; }

    /// <summary>The defined function, object and TLS symbols, in symbol-table order.</summary>
    public IReadOnlyList<ElfSymbol> Symbols { get; }

    /// <summary>The sections: name, address and size.</summary>
    public IReadOnlyList<(string Name, ulong Address, ulong Size)> Sections { get; }

    /// <summary>Reads the ELF file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a 64-bit little-endian ELF or is truncated.</exception>
    public static ElfSymbolTable Read(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parses an ELF image; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The image is not a 64-bit little-endian ELF or is truncated.</exception>
    public static ElfSymbolTable Parse(ReadOnlySpan<byte> image, string name)
    {
        if (image.Length < 64 || !image[..4].SequenceEqual("\x7f"u8.ToArray().Concat("ELF"u8.ToArray()).ToArray()) || image[4] != 2 || image[5] != 1)
        {
            throw new InvalidDataException($"{name} is not a 64-bit little-endian ELF file");
        }
        try
        {
            return ParseChecked(image);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"{name} is truncated or has a malformed section table", e);
        }
    }

    private static ElfSymbolTable ParseChecked(ReadOnlySpan<byte> image)
    {
        var machine = BinaryPrimitives.ReadUInt16LittleEndian(image[18..]);
        var sectionOffset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(image[40..]));
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(image[58..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(image[60..]);
        int namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(image[62..]);

        var headers = new (uint Name, uint Type, ulong Address, ulong Offset, ulong Size, uint Link, ulong EntrySize)[count];
        for (var i = 0; i < count; i++)
        {
            var h = image.Slice(sectionOffset + (i * entrySize), 64);
            headers[i] = (BinaryPrimitives.ReadUInt32LittleEndian(h), BinaryPrimitives.ReadUInt32LittleEndian(h[4..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[16..]), BinaryPrimitives.ReadUInt64LittleEndian(h[24..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[32..]), BinaryPrimitives.ReadUInt32LittleEndian(h[40..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[56..]));
        }
        var sectionNames = headers.Length > namesIndex
            ? image.Slice((int)headers[namesIndex].Offset, (int)headers[namesIndex].Size)
            : [];
        var sections = new (string Name, ulong Address, ulong Size)[count];
        for (var i = 0; i < count; i++)
        {
            sections[i] = (String(sectionNames, headers[i].Name), headers[i].Address, headers[i].Size);
        }

        var symbols = new List<ElfSymbol>();
        foreach (var table in headers.Where(h => h.Type == 2))
        {
            var strings = image.Slice((int)headers[table.Link].Offset, (int)headers[table.Link].Size);
            var entries = image.Slice((int)table.Offset, (int)table.Size);
            var scope = "";
            for (var at = 0; at + 24 <= entries.Length; at += (int)Math.Max(table.EntrySize, 24))
            {
                var e = entries.Slice(at, 24);
                var info = e[4];
                var type = info & 0xf;
                var binding = info >> 4;
                var index = BinaryPrimitives.ReadUInt16LittleEndian(e[6..]);
                var symbolName = String(strings, BinaryPrimitives.ReadUInt32LittleEndian(e));
                if (type == 4)
                {
                    scope = symbolName;
                    continue;
                }
                var kind = type switch { 1 => ElfSymbolKind.Object, 2 => ElfSymbolKind.Function, 6 => ElfSymbolKind.ThreadLocal, _ => ElfSymbolKind.Other };
                if (kind == ElfSymbolKind.Other || index == 0 || index >= 0xff00 || index >= sections.Length)
                {
                    continue;
                }
                symbols.Add(new ElfSymbol(symbolName, binding == 0 ? scope : "", BinaryPrimitives.ReadUInt64LittleEndian(e[8..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(e[16..]), kind, sections[index].Item1));
            }
        }
        return new ElfSymbolTable(machine, symbols, sections);
    }

    private static string String(ReadOnlySpan<byte> table, uint offset)
    {
        if (offset >= table.Length)
        {
            return "";
        }
        var rest = table[(int)offset..];
        var end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }
}
