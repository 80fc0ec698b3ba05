using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Popcorn.Emulation;

/// <summary>
/// One node's view of an <see cref="AddressSpace"/>: little-endian loads and stores of 8, 16, 32 and 64 bits at any
/// alignment, and instruction fetch, through direct-mapped software TLBs (one each for read, write and execute) so
/// that the common access is a tag compare and a host load. An access to an unmapped or forbidden address throws
/// <see cref="GuestFaultException"/>. A store to a page some node has decoded code from goes the slow way and drops
/// that page from every registered <see cref="ICodeCache"/>, and bumps <see cref="CodeGeneration"/>.
/// </summary>
/// <remarks>
/// CPUs call the accessors on their hot path; they are inlined. Not thread-safe: all guest threads of a process run
/// on one host thread (deterministic scheduling).
/// </remarks>
public sealed unsafe class GuestMemory : IDisposable
{
    private const int TlbBits = 8;
    private const ulong TlbMask = (1UL << TlbBits) - 1;
    private const ulong PageMask = AddressSpace.PageSize - 1;
    private const int PageShift = AddressSpace.PageShift;

    private readonly TlbEntry[] _read = NewTlb();
    private readonly TlbEntry[] _write = NewTlb();
    private readonly TlbEntry[] _fetch = NewTlb();
    private readonly List<ICodeCache> _codeCaches = [];
    private readonly bool _ownsSpace;

    /// <summary>A view of a new, empty address space that this view owns and disposes.</summary>
    public GuestMemory() : this(new AddressSpace(), null)
    {
        _ownsSpace = true;
    }

    /// <summary>A view of <paramref name="space"/> as node <paramref name="node"/> sees it (null: shared memory only).</summary>
    public GuestMemory(AddressSpace space, Isa? node)
    {
        ArgumentNullException.ThrowIfNull(space);
        Space = space;
        Node = node;
        space.Attach(this);
    }

    /// <summary>The address space this view reads and writes.</summary>
    public AddressSpace Space { get; }

    /// <summary>The node whose private regions (its machine code) this view sees, or null.</summary>
    public Isa? Node { get; }

    /// <summary>Incremented whenever a page that held decoded code is written or unmapped.</summary>
    public long CodeGeneration { get; private set; }

    /// <summary>Reads a byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte Read8(ulong address)
    {
        ref var e = ref Entry(_read, address);
        return e.Tag == address >> PageShift ? *(byte*)(e.Base + (nint)address) : ReadSlow8(address);
    }

    /// <summary>Reads a little-endian 16-bit value at any alignment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort Read16(ulong address)
    {
        ref var e = ref Entry(_read, address);
        return e.Tag == address >> PageShift && (address & PageMask) <= PageMask - 1
            ? Unsafe.ReadUnaligned<ushort>((void*)(e.Base + (nint)address))
            : (ushort)ReadSlow(address, 2);
    }

    /// <summary>Reads a little-endian 32-bit value at any alignment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Read32(ulong address)
    {
        ref var e = ref Entry(_read, address);
        return e.Tag == address >> PageShift && (address & PageMask) <= PageMask - 3
            ? Unsafe.ReadUnaligned<uint>((void*)(e.Base + (nint)address))
            : (uint)ReadSlow(address, 4);
    }

    /// <summary>Reads a little-endian 64-bit value at any alignment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Read64(ulong address)
    {
        ref var e = ref Entry(_read, address);
        return e.Tag == address >> PageShift && (address & PageMask) <= PageMask - 7
            ? Unsafe.ReadUnaligned<ulong>((void*)(e.Base + (nint)address))
            : ReadSlow(address, 8);
    }

    /// <summary>Writes a byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write8(ulong address, byte value)
    {
        ref var e = ref Entry(_write, address);
        if (e.Tag == address >> PageShift)
        {
            *(byte*)(e.Base + (nint)address) = value;
        }
        else
        {
            WriteSlow(address, value, 1);
        }
    }

    /// <summary>Writes a little-endian 16-bit value at any alignment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write16(ulong address, ushort value)
    {
        ref var e = ref Entry(_write, address);
        if (e.Tag == address >> PageShift && (address & PageMask) <= PageMask - 1)
        {
            Unsafe.WriteUnaligned((void*)(e.Base + (nint)address), value);
        }
        else
        {
            WriteSlow(address, value, 2);
        }
    }

    /// <summary>Writes a little-endian 32-bit value at any alignment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write32(ulong address, uint value)
    {
        ref var e = ref Entry(_write, address);
        if (e.Tag == address >> PageShift && (address & PageMask) <= PageMask - 3)
        {
            Unsafe.WriteUnaligned((void*)(e.Base + (nint)address), value);
        }
        else
        {
            WriteSlow(address, value, 4);
        }
    }

    /// <summary>Writes a little-endian 64-bit value at any alignment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write64(ulong address, ulong value)
    {
        ref var e = ref Entry(_write, address);
        if (e.Tag == address >> PageShift && (address & PageMask) <= PageMask - 7)
        {
            Unsafe.WriteUnaligned((void*)(e.Base + (nint)address), value);
        }
        else
        {
            WriteSlow(address, value, 8);
        }
    }

    /// <summary>Fetches a 16-bit instruction parcel (execute permission required).</summary>
    public ushort Fetch16(ulong address) => (ushort)FetchBytes(address, 2);

    /// <summary>Fetches a 32-bit instruction word at any 2-byte alignment (execute permission required).</summary>
    public uint Fetch32(ulong address) => (uint)FetchBytes(address, 4);

    /// <summary>
    /// Records that a decoded-code cache holds instructions from the page of <paramref name="address"/>: stores to it,
    /// from any node, will invalidate them. Fetch first (so the page is known to be executable).
    /// </summary>
    public void MarkCode(ulong address)
    {
        var vpn = address >> PageShift;
        if (Space.Translate(vpn, Node) is { } page)
        {
            Space.CodeDecoded(vpn, page);
        }
    }

    /// <summary>Registers a decoded-code cache to be told when a page it may hold is written or unmapped.</summary>
    public void RegisterCodeCache(ICodeCache cache) => _codeCaches.Add(cache);

    /// <summary>Copies guest bytes at <paramref name="address"/> into <paramref name="destination"/>.</summary>
    public void Read(ulong address, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var host = Translate(address, MemoryAccess.Read);
            var n = (int)Math.Min((ulong)destination.Length, AddressSpace.PageSize - (address & PageMask));
            new ReadOnlySpan<byte>((void*)host, n).CopyTo(destination);
            destination = destination[n..];
            address += (ulong)n;
        }
    }

    /// <summary>Copies <paramref name="source"/> into guest memory at <paramref name="address"/>.</summary>
    public void Write(ulong address, ReadOnlySpan<byte> source)
    {
        while (!source.IsEmpty)
        {
            var host = Translate(address, MemoryAccess.Write);
            var n = (int)Math.Min((ulong)source.Length, AddressSpace.PageSize - (address & PageMask));
            source[..n].CopyTo(new Span<byte>((void*)host, n));
            source = source[n..];
            address += (ulong)n;
        }
    }

    /// <summary>Writes bytes ignoring page permissions (the loader filling read-only or code segments).</summary>
    public void WriteInitial(ulong address, ReadOnlySpan<byte> source)
    {
        while (!source.IsEmpty)
        {
            var vpn = address >> PageShift;
            var page = Space.Translate(vpn, Node) ?? throw new GuestFaultException(address, MemoryAccess.Write);
            if (!page.Written)
            {
                Space.MarkWritten(page);
            }
            if (page.HoldsCode)
            {
                Space.CodeWritten(vpn, page);
            }
            var offset = address & PageMask;
            var n = (int)Math.Min((ulong)source.Length, AddressSpace.PageSize - offset);
            source[..n].CopyTo(new Span<byte>((void*)(page.Host + (nint)offset), n));
            source = source[n..];
            address += (ulong)n;
        }
    }

    /// <summary>Reads a NUL-terminated string (UTF-8) of at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="GuestFaultException">The string runs into unmapped memory or is longer.</exception>
    public string ReadCString(ulong address, int maxBytes = 4096)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < maxBytes; i++)
        {
            var b = Read8(address + (ulong)i);
            if (b == 0)
            {
                return Encoding.UTF8.GetString([.. bytes]);
            }
            bytes.Add(b);
        }
        throw new GuestFaultException($"string at 0x{address:x} is longer than {maxBytes} bytes");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Space.Detach(this);
        if (_ownsSpace)
        {
            Space.Dispose();
        }
    }

    internal void FlushAll()
    {
        Array.Fill(_read, TlbEntry.Empty);
        Array.Fill(_write, TlbEntry.Empty);
        Array.Fill(_fetch, TlbEntry.Empty);
    }

    internal void FlushWrite(ulong vpn)
    {
        ref var e = ref _write[(int)(vpn & TlbMask)];
        if (e.Tag == vpn)
        {
            e = TlbEntry.Empty;
        }
    }

    internal void InvalidateCode(ulong vpn)
    {
        CodeGeneration++;
        foreach (var cache in _codeCaches)
        {
            cache.InvalidatePage(vpn << PageShift);
        }
    }

    private static TlbEntry[] NewTlb()
    {
        var tlb = new TlbEntry[1 << TlbBits];
        Array.Fill(tlb, TlbEntry.Empty);
        return tlb;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref TlbEntry Entry(TlbEntry[] tlb, ulong address) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(tlb), (nint)((address >> PageShift) & TlbMask));

    /// <summary>The host address of guest <paramref name="address"/>, filling the TLB for that access.</summary>
    private nint Translate(ulong address, MemoryAccess access)
    {
        var vpn = address >> PageShift;
        var tlb = access switch { MemoryAccess.Read => _read, MemoryAccess.Write => _write, _ => _fetch };
        ref var e = ref Entry(tlb, address);
        if (e.Tag == vpn)
        {
            return e.Base + (nint)address;
        }
        var page = Space.Translate(vpn, Node);
        var required = access switch { MemoryAccess.Read => PagePermissions.Read, MemoryAccess.Write => PagePermissions.Write, _ => PagePermissions.Execute };
        if (page is null || (page.Permissions & required) == 0)
        {
            throw new GuestFaultException(address, access);
        }
        if (access == MemoryAccess.Write && !page.Written)
        {
            Space.MarkWritten(page);
        }
        if (access == MemoryAccess.Write && page.HoldsCode)
        {
            // Stay out of the write TLB while a node holds decoded code from here; the next store re-enters the TLB.
            Space.CodeWritten(vpn, page);
            return page.Host + (nint)(address & PageMask);
        }
        e = new TlbEntry(vpn, page.Host - (nint)(vpn << PageShift));
        return page.Host + (nint)(address & PageMask);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private byte ReadSlow8(ulong address) => *(byte*)Translate(address, MemoryAccess.Read);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong ReadSlow(ulong address, int size)
    {
        ulong value = 0;
        for (var i = 0; i < size; i++)
        {
            value |= (ulong)*(byte*)Translate(address + (ulong)i, MemoryAccess.Read) << (8 * i);
        }
        return value;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteSlow(ulong address, ulong value, int size)
    {
        // Translate every byte first so that a store straddling into a forbidden page changes nothing.
        Span<nint> hosts = stackalloc nint[8];
        for (var i = 0; i < size; i++)
        {
            hosts[i] = Translate(address + (ulong)i, MemoryAccess.Write);
        }
        for (var i = 0; i < size; i++)
        {
            *(byte*)hosts[i] = (byte)(value >> (8 * i));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong FetchBytes(ulong address, int size)
    {
        ulong value = 0;
        for (var i = 0; i < size; i++)
        {
            value |= (ulong)*(byte*)Translate(address + (ulong)i, MemoryAccess.Execute) << (8 * i);
        }
        return value;
    }

    private readonly record struct TlbEntry(ulong Tag, nint Base)
    {
        public static readonly TlbEntry Empty = new(ulong.MaxValue, 0);
    }
}

/// <summary>A cache of decoded instructions that must forget a page when the guest writes to it.</summary>
public interface ICodeCache
{
    /// <summary>Forgets everything decoded from the page starting at <paramref name="pageAddress"/>.</summary>
    void InvalidatePage(ulong pageAddress);
}
