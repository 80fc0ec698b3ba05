using System.Buffers;
using MessagePack;

namespace Derecho.Rpc;

/// <summary>The dispatch the source generator implements for a <see cref="ReplicatedAttribute"/> class.</summary>
public interface IReplicatedObject
{
    /// <summary>
    /// Runs method <paramref name="methodId"/> with MessagePack-encoded <paramref name="arguments"/> (an array) and
    /// returns its MessagePack-encoded result.
    /// </summary>
    /// <param name="methodId">The generated id.</param>
    /// <param name="arguments">The arguments as one MessagePack array.</param>
    /// <param name="ordered">True for an ordered call, false for a P2P call (which only P2P methods accept).</param>
    /// <exception cref="RpcException">Unknown method, wrong kind of call, or arguments that do not decode.</exception>
    ValueTask<ReadOnlyMemory<byte>> InvokeAsync(uint methodId, ReadOnlyMemory<byte> arguments, bool ordered);
}

/// <summary>
/// What the source generator implements for a <see cref="ReplicatedAttribute"/> class besides the dispatch: its
/// name on the wire and its methods.
/// </summary>
/// <typeparam name="TSelf">The class itself.</typeparam>
public interface IReplicated<TSelf> : IReplicatedObject
    where TSelf : IReplicated<TSelf>
{
    /// <summary>The type's name in layouts and on the wire (the class's full name).</summary>
    static abstract string ReplicatedTypeName { get; }

    /// <summary>The remotely callable methods.</summary>
    static abstract IReadOnlyList<RpcMethod> ReplicatedMethods { get; }
}

/// <summary>
/// A replicated object's state as bytes, for state transfer to a member joining its shard (and for comparing
/// replicas by hash). Implement it on a <see cref="ReplicatedAttribute"/> class; without it a joiner starts from
/// the factory's fresh object.
/// </summary>
public interface IReplicatedState
{
    /// <summary>Writes the whole state.</summary>
    void WriteState(IBufferWriter<byte> writer);

    /// <summary>Replaces the state with what <see cref="WriteState"/> wrote.</summary>
    void ReadState(ReadOnlySequence<byte> state);
}

/// <summary>One remotely callable method.</summary>
/// <param name="Id">Its id: a hash of the type name, method name and parameter types.</param>
/// <param name="Name">The method's name.</param>
/// <param name="Ordered">Accepts ordered calls.</param>
/// <param name="P2P">Accepts P2P calls.</param>
public sealed record RpcMethod(uint Id, string Name, bool Ordered, bool P2P);

/// <summary>Names one subgroup: its replicated type and its index among that type's subgroups.</summary>
/// <param name="TypeName">The replicated type's name (<see cref="IReplicated{TSelf}.ReplicatedTypeName"/>).</param>
/// <param name="Index">0 for the first subgroup of the type.</param>
public readonly record struct SubgroupId(string TypeName, int Index)
{
    /// <inheritdoc />
    public override string ToString() => $"{TypeName}[{Index}]";
}

/// <summary>
/// Makes calls to replicated objects: a member (<see cref="ReplicatedGroup"/>) or an external client
/// (<see cref="External.ExternalClient"/>). The generated proxies call these.
/// </summary>
public interface IRpcCaller
{
    /// <summary>
    /// Multicasts a call to every member of <paramref name="shard"/> of <paramref name="subgroup"/>; they run it in
    /// the shard's total order and each replies.
    /// </summary>
    QueryResults<TResult> Ordered<TResult>(SubgroupId subgroup, int shard, uint methodId, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken);

    /// <summary>Calls a P2P method at member <paramref name="node"/>, which must belong to <paramref name="subgroup"/>.</summary>
    Task<TResult> P2PAsync<TResult>(SubgroupId subgroup, uint node, uint methodId, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken);
}

/// <summary>
/// The serializer of arguments and results: MessagePack with limits for untrusted data. Arguments travel as one
/// MessagePack array; the RPC header carries <see cref="RpcWire.FormatVersion"/>.
/// </summary>
public static class RpcSerializer
{
    /// <summary>The options every call uses.</summary>
    public static MessagePackSerializerOptions Options { get; } =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>Encodes <paramref name="value"/>.</summary>
    public static byte[] Serialize<T>(T value) => MessagePackSerializer.Serialize(value, Options);

    /// <summary>Decodes a <typeparamref name="T"/>.</summary>
    /// <exception cref="RpcException">The bytes are not a <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            return MessagePackSerializer.Deserialize<T>(bytes, Options);
        }
        catch (MessagePackSerializationException e)
        {
            throw new RpcException(RpcError.BadArguments, $"a reply does not decode as {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>About how many bytes <paramref name="value"/> takes encoded (generated proxies size their buffers with it).</summary>
    public static int SizeHint(string? value) => value is null ? 1 : 5 + (3 * value.Length);

    /// <summary>About how many bytes <paramref name="value"/> takes encoded (generated proxies size their buffers with it).</summary>
    public static int SizeHint(byte[]? value) => value is null ? 1 : 5 + value.Length;

    /// <summary>About how many bytes <paramref name="value"/> takes encoded: a guess for other types, the buffer grows as needed.</summary>
    public static int SizeHint<T>(T value) => value is null ? 1 : 16;

    /// <summary>Starts an argument array of <paramref name="count"/> elements (generated proxies).</summary>
    public static MessagePackWriter BeginArguments(ArrayBufferWriter<byte> buffer, int count)
    {
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(count);
        return writer;
    }

    /// <summary>
    /// Opens an argument array for method <paramref name="method"/>, checking it has <paramref name="count"/> elements
    /// (generated dispatch).
    /// </summary>
    /// <exception cref="RpcException">The arguments are not an array of that length.</exception>
    public static MessagePackReader OpenArguments(ReadOnlyMemory<byte> arguments, int count, string method)
    {
        var reader = new MessagePackReader(arguments);
        int actual;
        try
        {
            actual = reader.ReadArrayHeader();
        }
        catch (MessagePackSerializationException e)
        {
            throw new RpcException(RpcError.BadArguments, $"arguments of {method} are not a MessagePack array: {e.Message}", e);
        }
        catch (EndOfStreamException e)
        {
            throw new RpcException(RpcError.BadArguments, $"arguments of {method} are truncated", e);
        }
        if (actual != count)
        {
            throw new RpcException(RpcError.BadArguments, $"{method} takes {count} argument(s), not {actual}");
        }
        return reader;
    }

    /// <summary>Reads one argument (generated dispatch).</summary>
    /// <exception cref="RpcException">It does not decode as <typeparamref name="T"/>.</exception>
    public static T ReadArgument<T>(ref MessagePackReader reader, string method, string parameter)
    {
        try
        {
            return MessagePackSerializer.Deserialize<T>(ref reader, Options);
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException)
        {
            throw new RpcException(RpcError.BadArguments, $"argument '{parameter}' of {method} is not a {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>The error for a method id the type does not have (generated dispatch).</summary>
    public static RpcException UnknownMethod(string typeName, uint methodId) =>
        new(RpcError.UnknownMethod, $"{typeName} has no remotely callable method with id 0x{methodId:x8}");

    /// <summary>The error for a P2P call to a method that is only ordered (generated dispatch).</summary>
    public static RpcException NotP2P(string typeName, string method) =>
        new(RpcError.UnknownMethod, $"{typeName}.{method} is not a [P2P] method; call it ordered");

    /// <summary>The error for an ordered call to a method that is only P2P (generated dispatch).</summary>
    public static RpcException NotOrdered(string typeName, string method) =>
        new(RpcError.UnknownMethod, $"{typeName}.{method} is not an [Ordered] method; call it P2P");

    /// <summary>Awaits a method's result and encodes it (generated dispatch).</summary>
    public static async ValueTask<ReadOnlyMemory<byte>> SerializeAsync<T>(Task<T> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Serialize(await result.ConfigureAwait(false));
    }

    /// <summary>Awaits a method's result and encodes it (generated dispatch).</summary>
    public static async ValueTask<ReadOnlyMemory<byte>> SerializeAsync<T>(ValueTask<T> result) => Serialize(await result.ConfigureAwait(false));

    /// <summary>Awaits a method that returns nothing (generated dispatch).</summary>
    public static async ValueTask<ReadOnlyMemory<byte>> NilAsync(Task completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        await completion.ConfigureAwait(false);
        return NilResult;
    }

    /// <summary>Awaits a method that returns nothing (generated dispatch).</summary>
    public static async ValueTask<ReadOnlyMemory<byte>> NilAsync(ValueTask completion)
    {
        await completion.ConfigureAwait(false);
        return NilResult;
    }

    /// <summary>The encoded result of a method returning nothing.</summary>
    public static ReadOnlyMemory<byte> NilResult { get; } = Serialize(Nil.Default);
}
