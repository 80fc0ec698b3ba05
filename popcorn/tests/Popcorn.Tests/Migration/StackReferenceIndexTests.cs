using Popcorn.Emulation;
using Popcorn.Emulation.RiscV;
using Popcorn.Migration;

namespace Popcorn.Tests.Migration;

/// <summary>
/// The index of pointers into stacks sees every pointer that would dangle after a migration, though it rescans only
/// pages written since its last query: stores through any node's view, bulk writes, pointers written before their
/// stack's thread existed, and other threads' registers.
/// </summary>
public sealed class StackReferenceIndexTests : IDisposable
{
    private const ulong Heap = 0x10_0000;
    private const ulong MainStack = AddressSpace.StackTop - AddressSpace.StackSize;
    private const ulong Low = AddressSpace.StackTop - 0x2000;
    private const ulong High = AddressSpace.StackTop - 0x1000;
    private readonly AddressSpace _space = new();
    private readonly GuestMemory _shared;
    private readonly GuestMemory _node;
    private readonly StackReferenceIndex _index;
    private readonly List<GuestThread> _threads = [];

    public StackReferenceIndexTests()
    {
        _shared = new GuestMemory(_space, null);
        _node = new GuestMemory(_space, Isa.Aarch64);
        _space.Map(Heap, 64 * AddressSpace.PageSize, PagePermissions.ReadWrite);
        _space.Map(MainStack, AddressSpace.StackSize, PagePermissions.ReadWrite);
        _threads.Add(Thread(1, Low));
        _index = new StackReferenceIndex(_space);
    }

    public void Dispose()
    {
        _node.Dispose();
        _shared.Dispose();
        _space.Dispose();
    }

    [Fact]
    public void A_pointer_stored_after_the_last_query_is_found_and_forgetting_it_is_seen()
    {
        for (var page = 0UL; page < 64; page++)
        {
            _shared.Write64(Heap + (page * AddressSpace.PageSize), page);
        }
        Assert.Null(Query());

        _node.Write64(Heap + 0x3008, Low + 0x40);
        Assert.Contains("memory at 0x103008 holds", Query(), StringComparison.Ordinal);
        Assert.Contains("memory at 0x103008 holds", Query(), StringComparison.Ordinal);

        _node.Write64(Heap + 0x3008, 0);
        Assert.Null(Query());

        // The write TLB was filled before the last query: the store must still be noticed.
        _node.Write64(Heap + 0x3010, High - 8);
        Assert.Contains("memory at 0x103010 holds", Query(), StringComparison.Ordinal);
        _node.Write(Heap + 0x3010, new byte[8]);
        Assert.Null(Query());
    }

    [Fact]
    public void Pointers_outside_the_moving_frames_and_in_the_threads_own_stack_do_not_count()
    {
        _shared.Write64(Heap, High);
        _shared.Write64(Heap + 8, Low - 8);
        _shared.Write64(Low + 0x100, Low + 0x10);
        Assert.Null(Query());
    }

    [Fact]
    public void A_pointer_into_a_new_threads_stack_written_before_the_thread_existed_is_found()
    {
        var second = _space.MapAnywhere(16 * AddressSpace.PageSize, PagePermissions.ReadWrite)!.Value;
        _shared.Write64(Heap + 0x100, second + 0x8000);
        Assert.Null(Query());

        var thread = Thread(2, second + 0x7000);
        _threads.Add(thread);
        var holder = _index.FindForeignPointer(thread, _threads, second, second + 0x7000, second + 0x9000);
        Assert.Contains("memory at 0x100100 holds", holder, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pointer_in_another_threads_register_is_found()
    {
        var other = Thread(2, MainStack + 0x1000);
        ((RiscVState)other.State).X[10] = Low + 0x20;
        _threads.Add(other);
        Assert.Contains("thread 2 holds", Query(), StringComparison.Ordinal);
    }

    private string? Query() => _index.FindForeignPointer(_threads[0], _threads, MainStack, Low, High);

    private static GuestThread Thread(int id, ulong sp) => new(id, new RiscVState { StackPointer = sp });
}
