using System.Buffers;
using System.Buffers.Binary;
using Derecho.Rpc;

// Remote methods are instance methods even when they touch no state; tasks here complete on RPC threads, with no context to deadlock on.
#pragma warning disable CA1822, VSTHRD003

namespace Derecho.Tests.Rpc;

/// <summary>A replicated counter for the RPC tests: ordered adds, reads, failures, nested and blocking calls.</summary>
[Replicated]
public sealed partial class Counter : IReplicatedState
{
    private readonly ReplicaContext? _context;
    private long _value;

    public Counter(ReplicaContext? context = null) => _context = context;

    /// <summary>Set by a test: the node whose replica blocks in <see cref="Stall"/> until released.</summary>
    public static TaskCompletionSource StallGate { get; set; } = new();

    public static uint StallingNode { get; set; } = uint.MaxValue;

    /// <summary>Completed when the stalling node's replica starts waiting in <see cref="Stall"/>.</summary>
    public static TaskCompletionSource StallEntered { get; set; } = new();

    /// <summary>Makes node <paramref name="node"/>'s replica wait in <see cref="Stall"/> until the gate opens (at the latest when the scope ends).</summary>
    public static StallScope StallOn(uint node)
    {
        StallGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        StallEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        StallingNode = node;
        return new StallScope();
    }

    /// <summary>Ends a stall: no node stalls any more, and the stalled calls complete.</summary>
    public readonly struct StallScope : IDisposable
    {
        public void Dispose()
        {
            StallingNode = uint.MaxValue;
            StallGate.TrySetResult();
        }
    }

    [Ordered]
    public long Add(long amount) => _value += amount;

    [Ordered]
    [P2P]
    public long Read() => _value;

    [P2P]
    public string Echo(string text, int times) => string.Concat(Enumerable.Repeat(text, times));

    [Ordered]
    public void Fail(string message) => throw new InvalidOperationException(message);

    /// <summary>Adds to shard 0 of subgroup <paramref name="subgroup"/> from inside this handler, and returns what it saw.</summary>
    [Ordered]
    public async Task<long> Forward(int subgroup, long amount)
    {
        var replies = new Counter.OrderedCalls(_context!.Caller, subgroup, 0).Add(amount);
        return await replies.GetAgreedAsync();
    }

    /// <summary>Reads a member of subgroup <paramref name="subgroup"/> by P2P from inside this handler.</summary>
    [Ordered]
    public Task<long> ReadOther(int subgroup, uint node) => new Counter.P2PCalls(_context!.Caller, node, subgroup).ReadAsync();

    [Ordered]
    public async Task<long> Stall()
    {
        if (_context!.NodeId == StallingNode)
        {
            StallEntered.TrySetResult();
            await StallGate.Task;
        }
        return _value;
    }

    public void WriteState(IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt64LittleEndian(writer.GetSpan(8), _value);
        writer.Advance(8);
    }

    public void ReadState(ReadOnlySequence<byte> state)
    {
        Span<byte> bytes = stackalloc byte[8];
        state.CopyTo(bytes);
        _value = BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }
}
