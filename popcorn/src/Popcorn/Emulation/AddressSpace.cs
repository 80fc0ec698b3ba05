using System.Runtime.InteropServices;

namespace Popcorn.Emulation;

/// <summary>
/// A guest process's 64-bit virtual address space: regions mapped with page permissions (pages materialize, zeroed,
/// on first touch), the program break, and top-down placement of anonymous mappings. Regions are either shared by
/// every node or private to one ISA's node (each node keeps its own machine code at the addresses the aligned
/// multi-ISA layout gives it, while data is shared). Guest code reaches memory through a per-node
/// <see cref="GuestMemory"/> view; this class is not thread-safe (guest threads run on one host thread).
/// </summary>
public sealed unsafe class AddressSpace : IDisposable
{
    /// <summary>log2 of the page size.</summary>
    public const int PageShift = 12;

    /// <summary>The page size in bytes.</summary>
    public const ulong PageSize = 1UL << PageShift;

    /// <summary>The end (exclusive) of the initial thread's stack; below the Sv39 user limit so that both ISAs agree.</summary>
    public const ulong StackTop = 0x3F_FFFF_F000;

    /// <summary>The size reserved for the initial thread's stack.</summary>
    public const ulong StackSize = 8UL << 20;

    /// <summary>Where top-down placement of anonymous mappings starts (below the stack and a guard gap).</summary>
    public const ulong MmapTop = StackTop - StackSize - (256UL << 20);

    private readonly List<Region> _regions = [];
    private readonly Dictionary<ulong, Page> _pages = [];
    private readonly List<GuestMemory> _views = [];
    private readonly List<Page> _written = [];
    private bool _disposed;

    /// <summary>The first address of the program break's region (the page after the loaded program's end).</summary>
    public ulong ProgramBreakStart { get; private set; }

    /// <summary>The current program break.</summary>
    public ulong ProgramBreak { get; private set; }

    /// <summary>Every mapped region, ordered by start address.</summary>
    public IReadOnlyList<Region> Regions => _regions;

    /// <summary>Number of pages materialized so far (touched at least once).</summary>
    public int ResidentPages => _pages.Count;

    /// <summary>
    /// Maps <paramref name="length"/> bytes at <paramref name="address"/> (page-aligned; the length is rounded up),
    /// replacing what was mapped there for the same owner, zero-filled (<c>mmap</c> with <c>MAP_FIXED</c>).
    /// </summary>
    /// <param name="address">The start, a multiple of <see cref="PageSize"/>.</param>
    /// <param name="length">The length in bytes; rounded up to whole pages.</param>
    /// <param name="permissions">What the guest may do there.</param>
    /// <param name="privateTo">The node that alone sees this region (its machine code), or null for shared memory.</param>
    public void Map(ulong address, ulong length, PagePermissions permissions, Isa? privateTo = null)
    {
        var (start, end) = PageRange(address, length);
        Remove(start, end, OwnerOf(privateTo));
        var region = new Region(start, end, permissions, privateTo);
        var index = _regions.FindIndex(r => r.Start > start);
        _regions.Insert(index < 0 ? _regions.Count : index, region);
        FlushViews();
    }

    /// <summary>Unmaps the pages of [<paramref name="address"/>, +<paramref name="length"/>) of one owner (<c>munmap</c>).</summary>
    public void Unmap(ulong address, ulong length, Isa? privateTo = null)
    {
        var (start, end) = PageRange(address, length);
        Remove(start, end, OwnerOf(privateTo));
        FlushViews();
    }

    /// <summary>Changes the permissions of mapped pages in a range (<c>mprotect</c>); false when part of it is unmapped.</summary>
    public bool Protect(ulong address, ulong length, PagePermissions permissions, Isa? privateTo = null)
    {
        var (start, end) = PageRange(address, length);
        var owner = OwnerOf(privateTo);
        for (var a = start; a < end; a += PageSize)
        {
            if (FindRegion(a, owner) is null)
            {
                return false;
            }
        }
        var pieces = new List<Region>();
        foreach (var region in _regions.Where(r => r.Owner == privateTo && r.Start < end && r.End > start))
        {
            pieces.Add(region with { Start = Math.Max(region.Start, start), End = Math.Min(region.End, end), Permissions = permissions });
        }
        Remove(start, end, owner, freePages: false);
        foreach (var piece in pieces)
        {
            var index = _regions.FindIndex(r => r.Start > piece.Start);
            _regions.Insert(index < 0 ? _regions.Count : index, piece);
        }
        foreach (var (key, page) in _pages)
        {
            var vpn = key >> 2;
            if ((int)(key & 3) == owner && vpn >= start >> PageShift && vpn < end >> PageShift)
            {
                page.Permissions = permissions;
            }
        }
        FlushViews();
        return true;
    }

    /// <summary>Whether <paramref name="address"/> is mapped with at least <paramref name="required"/> for a node.</summary>
    public bool IsMapped(ulong address, PagePermissions required, Isa? node = null)
    {
        var region = FindRegion(address, OwnerOf(node)) ?? FindRegion(address, 0);
        return region is { } r && (r.Permissions & required) == required;
    }

    /// <summary>Sets where the program break starts (the loader calls this with the page after the program's end).</summary>
    public void InitializeProgramBreak(ulong start)
    {
        ProgramBreakStart = ProgramBreak = (start + PageSize - 1) & ~(PageSize - 1);
    }

    /// <summary>
    /// Moves the program break as <c>brk</c> does: to <paramref name="requested"/> when it is at or above the start
    /// and the pages are free; returns the break in force afterwards (the old one when the request fails).
    /// </summary>
    public ulong SetProgramBreak(ulong requested)
    {
        if (requested < ProgramBreakStart || requested > MmapTop)
        {
            return ProgramBreak;
        }
        var oldEnd = (ProgramBreak + PageSize - 1) & ~(PageSize - 1);
        var newEnd = (requested + PageSize - 1) & ~(PageSize - 1);
        if (newEnd > oldEnd)
        {
            if (_regions.Any(r => r.Start < newEnd && r.End > oldEnd))
            {
                return ProgramBreak;
            }
            Map(oldEnd, newEnd - oldEnd, PagePermissions.ReadWrite);
        }
        else if (newEnd < oldEnd)
        {
            Unmap(newEnd, oldEnd - newEnd);
        }
        ProgramBreak = requested;
        return ProgramBreak;
    }

    /// <summary>
    /// Maps <paramref name="length"/> bytes of zeroed shared memory at the highest free address below
    /// <see cref="MmapTop"/> (or at <paramref name="hint"/> when that range is free), as <c>mmap</c> without
    /// <c>MAP_FIXED</c> does; returns the address, or null when no range is free.
    /// </summary>
    public ulong? MapAnywhere(ulong length, PagePermissions permissions, ulong hint = 0)
    {
        var size = (length + PageSize - 1) & ~(PageSize - 1);
        if (size == 0 || size > MmapTop)
        {
            return null;
        }
        hint &= ~(PageSize - 1);
        if (hint != 0 && hint + size <= MmapTop && hint >= ProgramBreak && IsFree(hint, hint + size))
        {
            Map(hint, size, permissions);
            return hint;
        }
        var candidate = MmapTop - size;
        for (var i = _regions.Count - 1; i >= 0; i--)
        {
            var region = _regions[i];
            if (region.Start >= candidate + size)
            {
                continue;
            }
            if (region.End <= candidate)
            {
                break;
            }
            if (region.Start < size)
            {
                return null;
            }
            candidate = region.Start - size;
        }
        var floor = (ProgramBreak + PageSize - 1) & ~(PageSize - 1);
        if (candidate < floor + (64UL << 20))
        {
            return null;
        }
        Map(candidate, size, permissions);
        return candidate;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var page in _pages.Values)
        {
            NativeMemory.AlignedFree((void*)page.Host);
        }
        _pages.Clear();
        _regions.Clear();
    }

    /// <summary>Every materialized page that all nodes share.</summary>
    internal IEnumerable<Page> ResidentSharedPages()
    {
        foreach (var (key, page) in _pages)
        {
            if ((key & 3) == 0)
            {
                yield return page;
            }
        }
    }

    /// <summary>
    /// Moves the pages written (by any node, the loader or a system call) since the last call into
    /// <paramref name="written"/> and re-arms the tracking: their write-TLB entries are dropped, so the next store
    /// to each marks it again. Unmapped pages are left out.
    /// </summary>
    internal void TakeWrittenPages(List<Page> written)
    {
        foreach (var page in _written)
        {
            page.Written = false;
            if (page.Released)
            {
                continue;
            }
            written.Add(page);
            foreach (var view in _views)
            {
                view.FlushWrite(page.Address >> PageShift);
            }
        }
        _written.Clear();
    }

    /// <summary>Records that <paramref name="page"/> is about to be written (before it enters a write TLB).</summary>
    internal void MarkWritten(Page page)
    {
        page.Written = true;
        _written.Add(page);
    }

    internal void Attach(GuestMemory view) => _views.Add(view);

    internal void Detach(GuestMemory view) => _views.Remove(view);

    /// <summary>The materialized page holding <paramref name="vpn"/> as <paramref name="node"/> sees it, or null.</summary>
    internal Page? Translate(ulong vpn, Isa? node)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var owner = OwnerOf(node);
        if (owner != 0 && _pages.TryGetValue((vpn << 2) | (uint)owner, out var own))
        {
            return own;
        }
        if (_pages.TryGetValue(vpn << 2, out var shared) && (owner == 0 || FindRegion(vpn << PageShift, owner) is null))
        {
            return shared;
        }
        var address = vpn << PageShift;
        var region = owner != 0 ? FindRegion(address, owner) : null;
        var pageOwner = owner;
        if (region is null)
        {
            region = FindRegion(address, 0);
            pageOwner = 0;
        }
        if (region is not { } r)
        {
            return null;
        }
        var host = (nint)NativeMemory.AlignedAlloc((nuint)PageSize, (nuint)PageSize);
        NativeMemory.Clear((void*)host, (nuint)PageSize);
        var page = new Page(host, r.Permissions, address, pageOwner == 0);
        _pages[(vpn << 2) | (uint)pageOwner] = page;
        return page;
    }

    /// <summary>A page that was decoded as code was written: every node's decoded-code caches drop it.</summary>
    internal void CodeWritten(ulong vpn, Page page)
    {
        page.HoldsCode = false;
        foreach (var view in _views)
        {
            view.InvalidateCode(vpn);
        }
    }

    /// <summary>A node decoded code from <paramref name="page"/>: stores to it must now take the slow path.</summary>
    internal void CodeDecoded(ulong vpn, Page page)
    {
        if (page.HoldsCode)
        {
            return;
        }
        page.HoldsCode = true;
        foreach (var view in _views)
        {
            view.FlushWrite(vpn);
        }
    }

    private static int OwnerOf(Isa? node) => node is { } isa ? (int)isa + 1 : 0;

    private static (ulong Start, ulong End) PageRange(ulong address, ulong length)
    {
        if ((address & (PageSize - 1)) != 0)
        {
            throw new ArgumentException($"address 0x{address:x} is not page-aligned", nameof(address));
        }
        var end = address + ((length + PageSize - 1) & ~(PageSize - 1));
        if (end < address)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"range at 0x{address:x} of {length} bytes wraps around");
        }
        return (address, end);
    }

    private Region? FindRegion(ulong address, int owner)
    {
        foreach (var region in _regions)
        {
            if (region.Start > address)
            {
                break;
            }
            if (address < region.End && OwnerOf(region.Owner) == owner)
            {
                return region;
            }
        }
        return null;
    }

    private bool IsFree(ulong start, ulong end) => !_regions.Any(r => r.Start < end && r.End > start);

    private void Remove(ulong start, ulong end, int owner, bool freePages = true)
    {
        for (var i = 0; i < _regions.Count; i++)
        {
            var r = _regions[i];
            if (OwnerOf(r.Owner) != owner || r.End <= start || r.Start >= end)
            {
                continue;
            }
            _regions.RemoveAt(i);
            var at = i;
            if (r.Start < start)
            {
                _regions.Insert(at++, r with { End = start });
            }
            if (r.End > end)
            {
                _regions.Insert(at++, r with { Start = end });
            }
            i = at - 1;
        }
        if (!freePages)
        {
            return;
        }
        var first = start >> PageShift;
        var last = end >> PageShift;
        if (last - first <= (ulong)_pages.Count)
        {
            for (var vpn = first; vpn < last; vpn++)
            {
                FreePage((vpn << 2) | (uint)owner);
            }
        }
        else
        {
            foreach (var key in _pages.Keys.Where(k => (int)(k & 3) == owner && k >> 2 >= first && k >> 2 < last).ToList())
            {
                FreePage(key);
            }
        }
    }

    private void FreePage(ulong key)
    {
        if (_pages.Remove(key, out var page))
        {
            page.Released = true;
            if (page.HoldsCode)
            {
                foreach (var view in _views)
                {
                    view.InvalidateCode(key >> 2);
                }
            }
            NativeMemory.AlignedFree((void*)page.Host);
        }
    }

    private void FlushViews()
    {
        foreach (var view in _views)
        {
            view.FlushAll();
        }
    }

    /// <summary>A materialized page: its host memory, permissions and guest address.</summary>
    internal sealed class Page(nint host, PagePermissions permissions, ulong address, bool shared)
    {
        public nint Host { get; } = host;

        public PagePermissions Permissions { get; set; } = permissions;

        /// <summary>The guest address of its first byte.</summary>
        public ulong Address { get; } = address;

        /// <summary>Whether every node sees it (not one node's private code).</summary>
        public bool Shared { get; } = shared;

        /// <summary>Some node has decoded instructions from this page.</summary>
        public bool HoldsCode { get; set; }

        /// <summary>Written since the last <see cref="TakeWrittenPages"/>; a page without it is in no write TLB.</summary>
        public bool Written { get; set; }

        /// <summary>Unmapped: its host memory is gone.</summary>
        public bool Released { get; set; }
    }
}

/// <summary>A mapped range of whole pages.</summary>
/// <param name="Start">The first address.</param>
/// <param name="End">The address after the last byte.</param>
/// <param name="Permissions">What the guest may do there.</param>
/// <param name="Owner">The node that alone sees it, or null when shared.</param>
public readonly record struct Region(ulong Start, ulong End, PagePermissions Permissions, Isa? Owner);
