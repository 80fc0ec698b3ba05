using System.Runtime.CompilerServices;


namespace Derecho.Rpc;

/// <summary>
/// The replies to an ordered call: once the call is ordered (delivered), one awaitable reply per member of the
/// shard as of that view. A member that leaves before replying fails its reply with
/// <see cref="MemberRemovedException"/>; the others are unaffected. Derecho's <c>QueryResults</c>.
/// </summary>
/// <typeparam name="T">The method's result type (<see cref="MessagePack.Nil"/> for a method returning nothing).</typeparam>
public sealed class QueryResults<T>
{
    private readonly IOrderedReplies? _call;
    private Task<IOrderedReplies>? _raw;
    private Task<IReadOnlyDictionary<uint, Task<T>>>? _replies;

    /// <summary>A call that may still wait to be sent (or fail before it is).</summary>
    internal QueryResults(Task<IOrderedReplies> raw) => _raw = raw;

    /// <summary>A call already on its way.</summary>
    internal QueryResults(IOrderedReplies call) => _call = call;

    /// <summary>
    /// Completes once the call is ordered, with each shard member's reply (node id → awaitable result).
    /// </summary>
    /// <exception cref="RpcException">The call could not be ordered (the caller stopped, timed out, or no such shard).</exception>
    public Task<IReadOnlyDictionary<uint, Task<T>>> Replies
    {
        get
        {
            if (_replies is null)
            {
                _ = Interlocked.CompareExchange(ref _replies, DecodeAsync(Raw), null);
            }
            return _replies;
        }
    }

    /// <summary>Awaits <see cref="Replies"/>.</summary>
    public TaskAwaiter<IReadOnlyDictionary<uint, Task<T>>> GetAwaiter() => Replies.GetAwaiter();

    /// <summary>Every member's result, by node id, once all replied.</summary>
    /// <exception cref="RpcException">A member's reply failed (the first such failure).</exception>
    public async Task<IReadOnlyDictionary<uint, T>> GetAllAsync()
    {
        // One wake-up once every member replied, instead of one per member.
        var call = _call ?? await Raw.ConfigureAwait(false);
        await call.AllReplied.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var replies = call.Settled();
        var results = new Dictionary<uint, T>(replies.Count);
        foreach (var reply in replies)
        {
            results[reply.Node] = RpcSerializer.Deserialize<T>(reply.Result);
        }
        return results;
    }

    /// <summary>
    /// The result that every member that replied agrees on; members removed before replying are skipped.
    /// </summary>
    /// <exception cref="RpcException">No member replied, or a handler failed.</exception>
    /// <exception cref="InvalidOperationException">The members' results differ (the replicas diverged).</exception>
    public async Task<T> GetAgreedAsync()
    {
        var call = _call ?? await Raw.ConfigureAwait(false);
        await call.AllReplied.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var replies = call.Settled();
        var have = false;
        T agreed = default!;
        RpcException? removed = null;
        foreach (var reply in replies)
        {
            T result;
            try
            {
                result = RpcSerializer.Deserialize<T>(reply.Result);
            }
            catch (MemberRemovedException e)
            {
                removed = e;
                continue;
            }
            if (!have)
            {
                agreed = result;
                have = true;
            }
            else if (!EqualityComparer<T>.Default.Equals(agreed, result) && !SameBytes(agreed, result))
            {
                throw new InvalidOperationException($"member {reply.Node} replied differently from the others");
            }
        }
        return have ? agreed : throw removed ?? new RpcException(RpcError.NotAMember, "the shard had no members to reply");
    }

    /// <summary>The call, once it is on its way.</summary>
    private Task<IOrderedReplies> Raw => _raw ??= Task.FromResult(_call!);

    private static bool SameBytes(T left, T right) =>
        left is byte[] a && right is byte[] b && a.AsSpan().SequenceEqual(b);

    private static async Task<IReadOnlyDictionary<uint, Task<T>>> DecodeAsync(Task<IOrderedReplies> raw)
    {
        var replies = await (await raw.ConfigureAwait(false)).Members.ConfigureAwait(false);
        var decoded = new Dictionary<uint, Task<T>>(replies.Count);
        foreach (var (node, reply) in replies)
        {
            decoded[node] = DecodeOneAsync(reply);
        }
        return decoded;
    }

    private static async Task<T> DecodeOneAsync(Task<ReadOnlyMemory<byte>> reply) =>
        RpcSerializer.Deserialize<T>(await reply.ConfigureAwait(false));
}

/// <summary>The raw replies of an ordered call.</summary>
internal interface IOrderedReplies
{
    /// <summary>Completes once the call is ordered: each shard member's raw reply.</summary>
    Task<IReadOnlyDictionary<uint, Task<ReadOnlyMemory<byte>>>> Members { get; }

    /// <summary>Completes once every reply of <see cref="Members"/> is complete, or <see cref="Members"/> failed (it may fault then).</summary>
    Task AllReplied { get; }

    /// <summary>Once <see cref="AllReplied"/> completed: each member's reply.</summary>
    /// <exception cref="Exception">The call failed before it was ordered (its failure).</exception>
    IReadOnlyList<MemberReply> Settled();

    /// <summary>
    /// Runs <paramref name="continuation"/> once <see cref="AllReplied"/> would complete, on the thread that
    /// completes it (no hand-over to the pool): it must not block.
    /// </summary>
    void WhenAllReplied(Action continuation);
}
