using System.Buffers.Binary;
using System.Text;

namespace Popcorn.Emulation;

/// <summary>
/// A static little-endian ELF64 executable as the loader needs it: machine, entry point, program headers, and the
/// symbol table for naming addresses in error messages.
/// </summary>
public sealed class ElfImage
{
    private const ushort MachineAarch64 = 183;
    private const ushort MachineRiscV = 243;

    private ElfImage(byte[] bytes, Isa isa, ulong entry, ulong programHeaderOffset, IReadOnlyList<ProgramHeader> segments, SymbolTable symbols)
    {
        Bytes = bytes;
        Isa = isa;
        Entry = entry;
        ProgramHeaderOffset = programHeaderOffset;
        Segments = segments;
        Symbols = symbols;
    }

    /// <summary>The whole file.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The ISA from <c>e_machine</c>.</summary>
    public Isa Isa { get; }

    /// <summary>The entry point (<c>e_entry</c>).</summary>
    public ulong Entry { get; }

    /// <summary>The file offset of the program header table (<c>e_phoff</c>).</summary>
    public ulong ProgramHeaderOffset { get; }

    /// <summary>The program headers, in file order.</summary>
    public IReadOnlyList<ProgramHeader> Segments { get; }

    /// <summary>The function and object symbols of <c>.symtab</c> (empty when stripped).</summary>
    public SymbolTable Symbols { get; }

    /// <summary>Reads and parses an ELF file.</summary>
    /// <exception cref="InvalidDataException">The file is not a static ELF64 little-endian aarch64 or riscv64 executable.</exception>
    public static ElfImage Load(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parses an ELF image; <paramref name="name"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a static ELF64 little-endian aarch64 or riscv64 executable.</exception>
    public static ElfImage Parse(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var s = bytes.AsSpan();
        if (s.Length < 64 || s[0] != 0x7F || s[1] != (byte)'E' || s[2] != (byte)'L' || s[3] != (byte)'F')
        {
            throw new InvalidDataException($"{name} is not an ELF file");
        }
        if (s[4] != 2 || s[5] != 1)
        {
            throw new InvalidDataException($"{name} is not a 64-bit little-endian ELF file");
        }
        var type = U16(s, 16);
        var machine = U16(s, 18);
        var isa = machine switch
        {
            MachineAarch64 => Isa.Aarch64,
            MachineRiscV => Isa.RiscV64,
            _ => throw new InvalidDataException($"{name} is for ELF machine {machine}, neither aarch64 (183) nor riscv64 (243)"),
        };
        if (type != 2)
        {
            throw new InvalidDataException($"{name} is ELF type {type}, not a static executable (ET_EXEC); link with -static -no-pie");
        }
        var entry = U64(s, 24);
        var phoff = U64(s, 32);
        var shoff = U64(s, 40);
        var phentsize = U16(s, 54);
        var phnum = U16(s, 56);
        var shentsize = U16(s, 58);
        var shnum = U16(s, 60);
        var segments = new List<ProgramHeader>();
        for (var i = 0; i < phnum; i++)
        {
            var at = checked((int)phoff + (i * phentsize));
            Need(s, at, 56, name, "program header");
            var header = new ProgramHeader((SegmentType)U32(s, at), (PagePermissions)0, U64(s, at + 8), U64(s, at + 16), U64(s, at + 32), U64(s, at + 40), U64(s, at + 48));
            var flags = U32(s, at + 4);
            header = header with
            {
                Permissions = ((flags & 4) != 0 ? PagePermissions.Read : 0) | ((flags & 2) != 0 ? PagePermissions.Write : 0) |
                    ((flags & 1) != 0 ? PagePermissions.Execute : 0),
            };
            if (header.Type == SegmentType.Load && header.FileSize > 0)
            {
                Need(s, checked((int)header.Offset), checked((int)header.FileSize), name, "segment");
            }
            if (header.Type == SegmentType.Interpreter)
            {
                throw new InvalidDataException($"{name} is dynamically linked (has PT_INTERP); link it statically");
            }
            segments.Add(header);
        }
        return new ElfImage(bytes, isa, entry, phoff, segments, ReadSymbols(s, shoff, shentsize, shnum, name));
    }

    /// <summary>The section named <paramref name="name"/>: its address and contents (empty for <c>SHT_NOBITS</c>), or null.</summary>
    public ElfSection? FindSection(string name)
    {
        var s = Bytes.Span;
        var shoff = (int)U64(s, 40);
        var shentsize = U16(s, 58);
        var shnum = U16(s, 60);
        var shstrndx = U16(s, 62);
        if (shoff == 0 || shstrndx >= shnum)
        {
            return null;
        }
        var names = (int)U64(s, shoff + (shstrndx * shentsize) + 24);
        for (var i = 0; i < shnum; i++)
        {
            var at = shoff + (i * shentsize);
            var nameAt = names + (int)U32(s, at);
            var end = s[nameAt..].IndexOf((byte)0);
            if (end < 0 || !s.Slice(nameAt, end).SequenceEqual(Encoding.UTF8.GetBytes(name)))
            {
                continue;
            }
            var offset = (int)U64(s, at + 24);
            var size = (int)U64(s, at + 32);
            var data = U32(s, at + 4) == 8 ? ReadOnlyMemory<byte>.Empty : Bytes.Slice(offset, size);
            return new ElfSection(name, U64(s, at + 16), data);
        }
        return null;
    }

    private static SymbolTable ReadSymbols(ReadOnlySpan<byte> s, ulong shoff, int shentsize, int shnum, string name)
    {
        var symbols = new List<Symbol>();
        for (var i = 0; i < shnum && shoff != 0; i++)
        {
            var at = checked((int)shoff + (i * shentsize));
            Need(s, at, 64, name, "section header");
            if (U32(s, at + 4) != 2)
            {
                continue;
            }
            var offset = (int)U64(s, at + 24);
            var size = (int)U64(s, at + 32);
            var link = (int)U32(s, at + 40);
            var entsize = Math.Max(24, (int)U64(s, at + 56));
            var strAt = checked((int)shoff + (link * shentsize));
            Need(s, strAt, 64, name, "string table header");
            var strOffset = (int)U64(s, strAt + 24);
            var strSize = (int)U64(s, strAt + 32);
            Need(s, offset, size, name, "symbol table");
            Need(s, strOffset, strSize, name, "string table");
            var strings = s.Slice(strOffset, strSize);
            for (var e = offset; e + 24 <= offset + size; e += entsize)
            {
                var kind = s[e + 4] & 0xF;
                var value = U64(s, e + 8);
                if ((kind != 1 && kind != 2) || value == 0)
                {
                    continue;
                }
                var nameAt = (int)U32(s, e);
                if (nameAt >= strings.Length)
                {
                    continue;
                }
                var end = strings[nameAt..].IndexOf((byte)0);
                var text = Encoding.UTF8.GetString(end < 0 ? strings[nameAt..] : strings.Slice(nameAt, end));
                symbols.Add(new Symbol(text, value, U64(s, e + 16), kind == 2));
            }
        }
        return new SymbolTable(symbols);
    }

    private static void Need(ReadOnlySpan<byte> s, int at, int length, string name, string what)
    {
        if (at < 0 || length < 0 || at + length > s.Length)
        {
            throw new InvalidDataException($"{name} is truncated: its {what} at offset {at} runs past the end of the file");
        }
    }

    private static ushort U16(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);

    private static uint U32(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);

    private static ulong U64(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt64LittleEndian(s[at..]);
}

/// <summary>One section of an executable.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Address">Its virtual address.</param>
/// <param name="Data">Its bytes in the file.</param>
public sealed record ElfSection(string Name, ulong Address, ReadOnlyMemory<byte> Data);

/// <summary>An ELF program-header type the loader cares about.</summary>
public enum SegmentType : uint
{
    /// <summary>Unused entry.</summary>
    Null = 0,

    /// <summary>A loadable segment.</summary>
    Load = 1,

    /// <summary>Dynamic linking information (not supported).</summary>
    Dynamic = 2,

    /// <summary>A program interpreter (not supported: executables are static).</summary>
    Interpreter = 3,

    /// <summary>The program header table itself.</summary>
    ProgramHeaders = 6,

    /// <summary>The thread-local storage template.</summary>
    ThreadLocalStorage = 7,
}

/// <summary>One ELF program header.</summary>
/// <param name="Type">The segment type.</param>
/// <param name="Permissions">From <c>p_flags</c>.</param>
/// <param name="Offset">File offset of the contents.</param>
/// <param name="VirtualAddress">Where it is loaded.</param>
/// <param name="FileSize">Bytes taken from the file.</param>
/// <param name="MemorySize">Bytes in memory (the rest zero-filled).</param>
/// <param name="Alignment">Required alignment.</param>
public readonly record struct ProgramHeader(SegmentType Type, PagePermissions Permissions, ulong Offset, ulong VirtualAddress,
    ulong FileSize, ulong MemorySize, ulong Alignment);

/// <summary>A named address from an ELF symbol table.</summary>
/// <param name="Name">The symbol's name.</param>
/// <param name="Address">Its value.</param>
/// <param name="Size">Its size in bytes (0 when unknown).</param>
/// <param name="IsFunction">Whether it is <c>STT_FUNC</c> (else <c>STT_OBJECT</c>).</param>
public readonly record struct Symbol(string Name, ulong Address, ulong Size, bool IsFunction);

/// <summary>Symbols sorted by address, to name guest addresses as <c>symbol+0xoffset</c>.</summary>
public sealed class SymbolTable
{
    private readonly Symbol[] _symbols;

    /// <summary>Builds a table from symbols in any order.</summary>
    public SymbolTable(IEnumerable<Symbol> symbols)
    {
        _symbols = [.. symbols.OrderBy(s => s.Address).ThenByDescending(s => s.IsFunction)];
    }

    /// <summary>An empty table (a stripped executable).</summary>
    public static SymbolTable Empty { get; } = new([]);

    /// <summary>All symbols, by address.</summary>
    public IReadOnlyList<Symbol> Symbols => _symbols;

    /// <summary>The symbol named <paramref name="name"/>, or null.</summary>
    public Symbol? Find(string name) => _symbols.FirstOrDefault(s => s.Name == name) is { Name: not null } found ? found : null;

    /// <summary>The symbol containing <paramref name="address"/> (or the nearest below it when sizes are unknown), or null.</summary>
    public Symbol? Lookup(ulong address)
    {
        int lo = 0, hi = _symbols.Length - 1, best = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (_symbols[mid].Address <= address)
            {
                best = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        for (var i = best; i >= 0 && i > best - 8; i--)
        {
            var s = _symbols[i];
            if (s.Size == 0 ? i == best : address < s.Address + s.Size)
            {
                return s;
            }
        }
        return null;
    }

    /// <summary><c>name+0xoffset</c> for <paramref name="address"/>, or the bare hex address when no symbol covers it.</summary>
    public string Describe(ulong address) => Lookup(address) is { } s
        ? (address == s.Address ? s.Name : $"{s.Name}+0x{address - s.Address:x}")
        : $"0x{address:x}";
}
