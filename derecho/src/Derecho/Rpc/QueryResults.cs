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
    private readonly Task<IReadOnlyDictionary<uint, Task<T>>> _replies;

    internal QueryResults(Task<IReadOnlyDictionary<uint, Task<ReadOnlyMemory<byte>>>> raw) => _replies = DecodeAsync(raw);

    /// <summary>
    /// Completes once the call is ordered, with each shard member's reply (node id → awaitable result).
    /// </summary>
    /// <exception cref="RpcException">The call could not be ordered (the caller stopped, timed out, or no such shard).</exception>
    public Task<IReadOnlyDictionary<uint, Task<T>>> Replies => _replies;

    /// <summary>Awaits <see cref="Replies"/>.</summary>
    public TaskAwaiter<IReadOnlyDictionary<uint, Task<T>>> GetAwaiter() => _replies.GetAwaiter();

    /// <summary>Every member's result, by node id, once all replied.</summary>
    /// <exception cref="RpcException">A member's reply failed (the first such failure).</exception>
    public async Task<IReadOnlyDictionary<uint, T>> GetAllAsync()
    {
        var replies = await _replies.ConfigureAwait(false);
        var results = new Dictionary<uint, T>(replies.Count);
        foreach (var (node, reply) in replies)
        {
            results[node] = await reply.ConfigureAwait(false);
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
        var replies = await _replies.ConfigureAwait(false);
        var have = false;
        T agreed = default!;
        RpcException? removed = null;
        foreach (var (node, reply) in replies)
        {
            T result;
            try
            {
                result = await reply.ConfigureAwait(false);
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
                throw new InvalidOperationException($"member {node} replied differently from the others");
            }
        }
        return have ? agreed : throw removed ?? new RpcException(RpcError.NotAMember, "the shard had no members to reply");
    }

    private static bool SameBytes(T left, T right) =>
        left is byte[] a && right is byte[] b && a.AsSpan().SequenceEqual(b);

    private static async Task<IReadOnlyDictionary<uint, Task<T>>> DecodeAsync(Task<IReadOnlyDictionary<uint, Task<ReadOnlyMemory<byte>>>> raw)
    {
        var replies = await raw.ConfigureAwait(false);
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
