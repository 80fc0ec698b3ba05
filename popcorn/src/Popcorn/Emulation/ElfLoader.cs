using System.Buffers.Binary;
using System.Text;

namespace Popcorn.Emulation;

/// <summary>Where a loaded program starts: the entry point and the initial stack pointer the loader built.</summary>
/// <param name="Entry">The first instruction.</param>
/// <param name="StackPointer">The initial <c>sp</c>, pointing at <c>argc</c>, 16-byte aligned.</param>
/// <param name="ThreadLocalTemplate">The <c>PT_TLS</c> header, if the program has one (the runtime sets up TLS itself).</param>
public readonly record struct LoadedProgram(ulong Entry, ulong StackPointer, ProgramHeader? ThreadLocalTemplate);

/// <summary>
/// Loads static ELF executables into an address space as Linux's <c>binfmt_elf</c> does: each <c>PT_LOAD</c> mapped
/// with its permissions and zero-filled past its file size, the program break after the highest segment, and an
/// initial stack holding <c>argc</c>, <c>argv</c>, <c>envp</c> and the auxiliary vector.
/// </summary>
public static class ElfLoader
{
    private const ulong AtNull = 0, AtPhdr = 3, AtPhent = 4, AtPhnum = 5, AtPagesz = 6, AtBase = 7, AtFlags = 8, AtEntry = 9,
        AtUid = 11, AtEuid = 12, AtGid = 13, AtEgid = 14, AtHwcap = 16, AtClktck = 17, AtSecure = 23, AtRandom = 25, AtExecfn = 31;

    /// <summary>
    /// Maps <paramref name="image"/>'s loadable segments into <paramref name="memory"/>'s address space and sets the
    /// program break; with <paramref name="privateCode"/> the read-only segments (code, constants, unwind tables) are mapped private to that node.
    /// </summary>
    public static void LoadSegments(GuestMemory memory, ElfImage image, bool privateCode = false)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(image);
        var highest = 0UL;
        var loads = image.Segments.Where(s => s.Type == SegmentType.Load && s.MemorySize > 0).ToList();
        if (loads.Count == 0)
        {
            throw new InvalidDataException("the executable has no loadable segment");
        }
        // Pages shared by two segments get the union of their permissions.
        var pagePermissions = new SortedDictionary<ulong, PagePermissions>();
        foreach (var segment in loads)
        {
            var first = segment.VirtualAddress & ~(AddressSpace.PageSize - 1);
            var end = segment.VirtualAddress + segment.MemorySize;
            for (var page = first; page < end; page += AddressSpace.PageSize)
            {
                pagePermissions[page] = pagePermissions.GetValueOrDefault(page) | segment.Permissions;
            }
            highest = Math.Max(highest, end);
        }
        // A multi-ISA link puts each ISA's GOT (resolved completely by the static link) on pages of its own.
        var got = privateCode ? image.FindSection(".got") : null;
        foreach (var (page, pagePermission) in pagePermissions)
        {
            var permissions = pagePermission;
            if (got is not null && (got.Address & (AddressSpace.PageSize - 1)) == 0 && page >= got.Address && page < got.Address + (ulong)got.Data.Length)
            {
                permissions &= ~PagePermissions.Write;
            }
            var node = privateCode && (permissions & PagePermissions.Write) == 0 ? memory.Node : null;
            memory.Space.Map(page, AddressSpace.PageSize, permissions, node);
        }
        foreach (var segment in loads)
        {
            memory.WriteInitial(segment.VirtualAddress, image.Bytes.Span.Slice((int)segment.Offset, (int)segment.FileSize));
        }
        memory.Space.InitializeProgramBreak(highest);
    }

    /// <summary>
    /// Loads <paramref name="image"/> and builds the initial stack below <see cref="AddressSpace.StackTop"/>.
    /// </summary>
    /// <param name="memory">The view to load through (its node is the one that will run the program).</param>
    /// <param name="image">The executable.</param>
    /// <param name="arguments">argv, including argv[0].</param>
    /// <param name="environment">envp entries, <c>NAME=value</c>.</param>
    public static LoadedProgram Load(GuestMemory memory, ElfImage image, IReadOnlyList<string> arguments, IReadOnlyList<string> environment)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(image);
        LoadSegments(memory, image);
        var sp = BuildStack(memory, image, arguments, environment);
        var tls = image.Segments.FirstOrDefault(s => s.Type == SegmentType.ThreadLocalStorage);
        return new LoadedProgram(image.Entry, sp, tls.Type == SegmentType.ThreadLocalStorage ? tls : null);
    }

    /// <summary>Maps the initial stack and writes argc, argv, envp and auxv to it; returns the stack pointer.</summary>
    public static ulong BuildStack(GuestMemory memory, ElfImage image, IReadOnlyList<string> arguments, IReadOnlyList<string> environment)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        memory.Space.Map(AddressSpace.StackTop - AddressSpace.StackSize, AddressSpace.StackSize, PagePermissions.ReadWrite);

        var top = AddressSpace.StackTop - 16;
        ulong PushBytes(ReadOnlySpan<byte> bytes)
        {
            top -= (ulong)bytes.Length;
            memory.Write(top, bytes);
            return top;
        }
        ulong PushString(string text) => PushBytes(Encoding.UTF8.GetBytes(text + "\0"));

        var execfn = PushString(arguments.Count > 0 ? arguments[0] : "");
        var envPointers = environment.Reverse().Select(PushString).Reverse().ToList();
        var argPointers = arguments.Reverse().Select(PushString).Reverse().ToList();
        // AT_RANDOM: 16 bytes, fixed so that runs replay exactly.
        var random = PushBytes("popcorn-seed-16b"u8);
        top &= ~15UL;

        var phdr = ProgramHeadersAddress(image);
        var auxv = new (ulong Key, ulong Value)[]
        {
            (AtPhdr, phdr), (AtPhent, 56), (AtPhnum, (ulong)image.Segments.Count), (AtPagesz, AddressSpace.PageSize), (AtBase, 0),
            (AtFlags, 0), (AtEntry, image.Entry), (AtUid, 0), (AtEuid, 0), (AtGid, 0), (AtEgid, 0), (AtHwcap, HardwareCapabilities(image.Isa)),
            (AtClktck, 100), (AtSecure, 0), (AtRandom, random), (AtExecfn, execfn), (AtNull, 0),
        };
        var words = new List<ulong> { (ulong)arguments.Count };
        words.AddRange(argPointers);
        words.Add(0);
        words.AddRange(envPointers);
        words.Add(0);
        foreach (var (key, value) in auxv)
        {
            words.Add(key);
            words.Add(value);
        }
        var bytes = new byte[words.Count * 8];
        for (var i = 0; i < words.Count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), words[i]);
        }
        top = (top - (ulong)bytes.Length) & ~15UL;
        memory.Write(top, bytes);
        return top;
    }

    private static ulong ProgramHeadersAddress(ElfImage image)
    {
        foreach (var s in image.Segments)
        {
            if (s.Type == SegmentType.ProgramHeaders)
            {
                return s.VirtualAddress;
            }
        }
        foreach (var s in image.Segments)
        {
            if (s.Type == SegmentType.Load && image.ProgramHeaderOffset >= s.Offset && image.ProgramHeaderOffset < s.Offset + s.FileSize)
            {
                return s.VirtualAddress + (image.ProgramHeaderOffset - s.Offset);
            }
        }
        return 0;
    }

    private static ulong HardwareCapabilities(Isa isa) => isa switch
    {
        // The single-letter extensions I, M, A, F, D, C as bits 'X' - 'A'.
        Isa.RiscV64 => "IMAFDC".Aggregate(0UL, (bits, c) => bits | (1UL << (c - 'A'))),
        // HWCAP_FP only: scalar floating point, no Advanced SIMD.
        _ => 1,
    };
}
