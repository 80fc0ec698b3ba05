using System.Buffers.Binary;
using System.Text;

namespace Serval.Binary;

/// <summary>A symbol of an ELF image: name, address, size in bytes, and whether it names code or data.</summary>
/// <param name="Name">The symbol's name.</param>
/// <param name="Address">Its address.</param>
/// <param name="Size">Its size in bytes (0 when the producer gave none, as for assembly labels).</param>
/// <param name="IsFunction">Whether it is a function (STT_FUNC) rather than an object or label.</param>
/// <param name="IsData">Whether it is a data object (STT_OBJECT).</param>
/// <param name="Section">The name of the section it is defined in (for relocatable objects, where its address is an offset into that section).</param>
public sealed record ElfSymbol(string Name, ulong Address, ulong Size, bool IsFunction, bool IsData, string Section = "");

/// <summary>A section of an ELF image that occupies memory at run time.</summary>
/// <param name="Name">The section's name.</param>
/// <param name="Address">Its load address.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="IsExecutable">Whether it holds code.</param>
/// <param name="IsZeroFilled">Whether it is NOBITS (.bss): no bytes in the file.</param>
/// <param name="IsWritable">Whether the program may write it (SHF_WRITE).</param>
public sealed record ElfSection(string Name, ulong Address, ulong Size, bool IsExecutable, bool IsZeroFilled, bool IsWritable = false);

/// <summary>The error for a file that is not an ELF image this verifier can read; the message names the file and why.</summary>
public sealed class BadElfException(string message) : Exception(message);

/// <summary>A relocation entry of a relocatable object (SHT_REL or SHT_RELA).</summary>
/// <param name="Section">The section it patches.</param>
/// <param name="Offset">The offset of the patched bytes in that section.</param>
/// <param name="Type">The machine-specific relocation type.</param>
/// <param name="Symbol">The name of the symbol it refers to ("" for none or a section symbol without a name).</param>
public sealed record ElfRelocation(string Section, ulong Offset, uint Type, string Symbol);

/// <summary>
/// A RISC-V or BPF ELF image (executable or relocatable object) read directly: its entry point, allocated sections and their bytes, the symbol table with
/// sizes, and the DWARF line table (versions 2 to 4) for mapping addresses to source lines.
/// </summary>
public sealed class ElfImage
{
    /// <summary>EM_RISCV.</summary>
    public const ushort MachineRiscV = 243;

    /// <summary>EM_BPF.</summary>
    public const ushort MachineBpf = 247;

    private readonly byte[] _file;
    private readonly Dictionary<string, (long Offset, ulong Size)> _contents = new(StringComparer.Ordinal);
    private readonly List<ElfRelocation> _relocations = [];
    private readonly List<(ElfSection Section, long Offset)> _loaded = [];

    private ElfImage(string path, byte[] file)
    {
        Path = path;
        _file = file;
        if (file.Length < 64 || file[0] != 0x7F || file[1] != 'E' || file[2] != 'L' || file[3] != 'F')
        {
            throw new BadElfException($"{path} is not an ELF file (no ELF magic number).");
        }
        Is64Bit = file[4] switch
        {
            1 => false,
            2 => true,
            _ => throw new BadElfException($"{path} has an unknown ELF class {file[4]}."),
        };
        if (file[5] != 1)
        {
            throw new BadElfException($"{path} is big-endian; only little-endian images are read.");
        }
        Machine = U16(18);
        if (Machine is not (MachineRiscV or MachineBpf))
        {
            throw new BadElfException($"{path} is for ELF machine {Machine}, not RISC-V ({MachineRiscV}) or BPF ({MachineBpf}).");
        }
        Entry = Is64Bit ? U64(24) : U32(24);
        var sectionOffset = (long)(Is64Bit ? U64(40) : U32(32));
        var sectionSize = U16(Is64Bit ? 58 : 46);
        var sectionCount = U16(Is64Bit ? 60 : 48);
        var namesIndex = U16(Is64Bit ? 62 : 50);
        if (sectionCount == 0 || sectionOffset + ((long)sectionCount * sectionSize) > file.Length || namesIndex >= sectionCount)
        {
            throw new BadElfException($"{path} has a section header table outside the file.");
        }
        var headers = new (uint Name, uint Type, ulong Flags, ulong Address, long Offset, ulong Size, uint Link, uint Info)[sectionCount];
        for (var i = 0; i < sectionCount; i++)
        {
            var at = sectionOffset + ((long)i * sectionSize);
            headers[i] = Is64Bit
                ? (U32(at), U32(at + 4), U64(at + 8), U64(at + 16), (long)U64(at + 24), U64(at + 32), U32(at + 40), U32(at + 44))
                : (U32(at), U32(at + 4), U32(at + 8), U32(at + 12), U32(at + 16), U32(at + 20), U32(at + 24), U32(at + 28));
            if (headers[i].Type != 8 && (headers[i].Offset < 0 || headers[i].Size > (ulong)file.Length || headers[i].Offset + (long)headers[i].Size > file.Length))
            {
                throw new BadElfException($"{path}: section {i} extends past the end of the file.");
            }
        }
        var names = headers[namesIndex];
        string NameAt(long table, uint offset) => CString(table + offset);
        byte[]? debugLine = null, debugInfo = null, debugAbbrev = null, debugStr = null;
        for (var i = 0; i < sectionCount; i++)
        {
            var h = headers[i];
            var name = NameAt(names.Offset, h.Name);
            const ulong Write = 1, Alloc = 2, Exec = 4;
            if ((h.Flags & Alloc) != 0 && h.Size > 0)
            {
                _loaded.Add((new ElfSection(name, h.Address, h.Size, (h.Flags & Exec) != 0, h.Type == 8, (h.Flags & Write) != 0), h.Offset));
            }
            byte[] Contents() => file.AsSpan((int)h.Offset, (int)h.Size).ToArray();
            if (h.Type != 8)
            {
                _contents.TryAdd(name, (h.Offset, h.Size));
            }
            switch (name)
            {
                case ".debug_line": debugLine = Contents(); break;
                case ".debug_info": debugInfo = Contents(); break;
                case ".debug_abbrev": debugAbbrev = Contents(); break;
                case ".debug_str": debugStr = Contents(); break;
            }
            if (h.Type == 2 && h.Link < sectionCount)
            {
                ReadSymbols(h.Offset, h.Size, headers[h.Link].Offset, index => index < sectionCount ? NameAt(names.Offset, headers[index].Name) : "");
            }
        }
        for (var i = 0; i < sectionCount; i++)
        {
            var h = headers[i];
            if (h.Type is 4 or 9 && h.Link < sectionCount && h.Info < sectionCount)
            {
                var symbols = headers[h.Link];
                ReadRelocations(h.Offset, h.Size, h.Type == 4, NameAt(names.Offset, headers[h.Info].Name),
                    symbols.Offset, symbols.Size, symbols.Link < sectionCount ? headers[symbols.Link].Offset : -1);
            }
        }
        Lines = debugLine is null ? LineTable.Empty : LineTable.Parse(debugLine, path);
        Globals = debugInfo is null || debugAbbrev is null ? new Dictionary<string, GlobalVariable>()
            : DebugInfo.Parse(debugInfo, debugAbbrev, debugStr, Is64Bit, path);
    }

    /// <summary>The file this image came from.</summary>
    public string Path { get; }

    /// <summary>The ELF machine: <see cref="MachineRiscV"/> or <see cref="MachineBpf"/>.</summary>
    public ushort Machine { get; }

    /// <summary>The relocations of a relocatable object (empty for a linked executable without them).</summary>
    public IReadOnlyList<ElfRelocation> Relocations => _relocations;

    /// <summary>Whether this is ELFCLASS64 (RV64) rather than ELFCLASS32 (RV32).</summary>
    public bool Is64Bit { get; }

    /// <summary>The entry point address.</summary>
    public ulong Entry { get; }

    /// <summary>The symbols of the symbol table, by name (the first of duplicate names).</summary>
    public IReadOnlyDictionary<string, ElfSymbol> Symbols => _symbols;

    private readonly Dictionary<string, ElfSymbol> _symbols = new(StringComparer.Ordinal);

    /// <summary>The sections loaded at run time.</summary>
    public IEnumerable<ElfSection> Sections => _loaded.Select(l => l.Section);

    /// <summary>The source line table (empty when the image has no DWARF line information).</summary>
    public LineTable Lines { get; }

    /// <summary>The global variables DWARF describes, with their addresses and types, by name (empty without DWARF).</summary>
    public IReadOnlyDictionary<string, GlobalVariable> Globals { get; }

    /// <summary>Reads and checks an ELF image.</summary>
    /// <exception cref="BadElfException">The file is not a readable RISC-V ELF image.</exception>
    public static ElfImage Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new BadElfException($"cannot read {path}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new BadElfException($"cannot read {path}: {e.Message}");
        }
        return new ElfImage(path, bytes);
    }

    /// <summary>The file contents of the section named <paramref name="name"/> (any section with contents, loaded or not).</summary>
    /// <exception cref="BadElfException">The image has no such section with contents.</exception>
    public byte[] SectionContents(string name) => _contents.TryGetValue(name, out var at)
        ? _file.AsSpan((int)at.Offset, (int)at.Size).ToArray()
        : throw new BadElfException($"{Path} has no section '{name}' with contents.");

    /// <summary>
    /// An RV64 executable image holding just <paramref name="words"/> as its <c>.text</c> at <paramref name="address"/>
    /// (the smallest ELF the reader accepts: a null section, .text, .shstrtab), for running generated code.
    /// </summary>
    public static ElfImage FromCode(ulong address, IReadOnlyList<uint> words, string name = "<generated code>")
    {
        ArgumentNullException.ThrowIfNull(words);
        var names = "\0.text\0.shstrtab\0"u8.ToArray();
        const int TextOffset = 64;
        var namesOffset = TextOffset + (words.Count * 4);
        var headersOffset = (namesOffset + names.Length + 7) & ~7;
        var file = new byte[headersOffset + (3 * 64)];
        ((byte[])[0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1]).CopyTo(file, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(16), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(18), MachineRiscV);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(24), address);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(40), (ulong)headersOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(52), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(58), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(60), 3);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(62), 2);
        for (var i = 0; i < words.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(TextOffset + (i * 4)), words[i]);
        }
        names.CopyTo(file, namesOffset);
        void Section(int at, uint nameAt, uint type, ulong flags, ulong sectionAddress, int offset, int size)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), nameAt);
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at + 4), type);
            BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at + 8), flags);
            BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at + 16), sectionAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at + 24), (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at + 32), (ulong)size);
        }
        Section(headersOffset + 64, nameAt: 1, type: 1, flags: 6, address, TextOffset, words.Count * 4);
        Section(headersOffset + 128, nameAt: 7, type: 3, flags: 0, 0, namesOffset, names.Length);
        return new ElfImage(name, file);
    }

    /// <summary>The symbol named <paramref name="name"/>.</summary>
    /// <exception cref="BadElfException">The image has no such symbol.</exception>
    public ElfSymbol Symbol(string name) => _symbols.TryGetValue(name, out var symbol) ? symbol
        : throw new BadElfException($"{Path} has no symbol '{name}'.");

    /// <summary>The function or label containing <paramref name="address"/> and the offset into it, for traces.</summary>
    public string Describe(ulong address)
    {
        ElfSymbol? best = null;
        foreach (var symbol in _symbols.Values)
        {
            if (!symbol.IsData && symbol.Address <= address && (best is null || symbol.Address > best.Address)
                && _loaded.Any(l => l.Section.IsExecutable && symbol.Address >= l.Section.Address && symbol.Address < l.Section.Address + l.Section.Size))
            {
                best = symbol;
            }
        }
        return best is null ? "?" : address == best.Address ? best.Name : $"{best.Name}+0x{address - best.Address:x}";
    }

    /// <summary>The data object containing <paramref name="address"/> and the offset into it (<c>dictionary+8</c>), else the address.</summary>
    public string DescribeData(ulong address)
    {
        foreach (var symbol in _symbols.Values)
        {
            if (symbol.IsData && address >= symbol.Address && address - symbol.Address < symbol.Size)
            {
                return address == symbol.Address ? symbol.Name : $"{symbol.Name}+{address - symbol.Address}";
            }
        }
        return $"0x{address:x}";
    }

    /// <summary>Whether <paramref name="address"/> lies in a loaded section the program may not write (code, constants).</summary>
    public bool IsReadOnly(ulong address) =>
        _loaded.Any(l => !l.Section.IsWritable && address >= l.Section.Address && address - l.Section.Address < l.Section.Size);

    /// <summary>Copies the loaded bytes at <paramref name="address"/> into <paramref name="destination"/>.</summary>
    /// <returns>Whether every byte lies in a section with file contents.</returns>
    public bool TryRead(ulong address, Span<byte> destination)
    {
        foreach (var (section, offset) in _loaded)
        {
            if (!section.IsZeroFilled && address >= section.Address && address + (ulong)destination.Length <= section.Address + section.Size)
            {
                _file.AsSpan((int)(offset + (long)(address - section.Address)), destination.Length).CopyTo(destination);
                return true;
            }
        }
        return false;
    }

    /// <summary>The bytes of every executable section, in address order (what a result cache hashes).</summary>
    public byte[] CodeBytes()
    {
        using var all = new MemoryStream();
        foreach (var (section, offset) in _loaded.Where(l => l.Section.IsExecutable).OrderBy(l => l.Section.Address))
        {
            all.Write(_file, (int)offset, (int)section.Size);
        }
        return all.ToArray();
    }

    private void ReadSymbols(long offset, ulong size, long stringTable, Func<int, string> sectionName)
    {
        var entrySize = Is64Bit ? 24 : 16;
        for (long at = offset + entrySize; at + entrySize <= offset + (long)size; at += entrySize)
        {
            var name = CString(stringTable + U32(at));
            var info = _file[at + (Is64Bit ? 4 : 12)];
            var shndx = U16(at + (Is64Bit ? 6 : 14));
            var value = Is64Bit ? U64(at + 8) : U32(at + 4);
            var symbolSize = Is64Bit ? U64(at + 16) : U32(at + 8);
            var type = info & 0xF;
            if (name.Length == 0 || shndx == 0 || type is 3 or 4 || name.StartsWith(".L", StringComparison.Ordinal))
            {
                continue;
            }
            _symbols.TryAdd(name, new ElfSymbol(name, value, symbolSize, type == 2, type == 1, sectionName(shndx)));
        }
    }

    private void ReadRelocations(long offset, ulong size, bool withAddend, string section, long symbolTable, ulong symbolTableSize, long stringTable)
    {
        var entrySize = (Is64Bit ? 16 : 8) + (withAddend ? (Is64Bit ? 8 : 4) : 0);
        var symbolSize = Is64Bit ? 24 : 16;
        for (long at = offset; at + entrySize <= offset + (long)size; at += entrySize)
        {
            var where = Is64Bit ? U64(at) : U32(at);
            var info = Is64Bit ? U64(at + 8) : U32(at + 4);
            var (symbol, type) = Is64Bit ? ((long)(info >> 32), (uint)info) : ((long)(info >> 8), (uint)(info & 0xFF));
            var name = symbol > 0 && (ulong)(symbol * symbolSize) < symbolTableSize && stringTable >= 0
                ? CString(stringTable + U32(symbolTable + (symbol * symbolSize))) : "";
            _relocations.Add(new ElfRelocation(section, where, type, name));
        }
    }

    private string CString(long at)
    {
        if (at < 0 || at >= _file.Length)
        {
            throw new BadElfException($"{Path} has a string table reference outside the file.");
        }
        var end = Array.IndexOf(_file, (byte)0, (int)at);
        return Encoding.UTF8.GetString(_file, (int)at, (end < 0 ? _file.Length : end) - (int)at);
    }

    private ushort U16(long at) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(at, 2));

    private uint U32(long at) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(at, 4));

    private ulong U64(long at) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(at, 8));

    // A header field's bytes; a table that points past the end of the file is a bad ELF, not an index error.
    private ReadOnlySpan<byte> Bytes(long at, int size) => at >= 0 && at <= _file.Length - size
        ? _file.AsSpan((int)at, size)
        : throw new BadElfException($"{Path} is truncated or corrupt: a header or table entry at offset {at} lies outside the file ({_file.Length} bytes).");
}
