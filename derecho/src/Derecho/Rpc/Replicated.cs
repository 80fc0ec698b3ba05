using System.Buffers;
using MessagePack;
using MessagePack.Formatters;

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
/// (<see cref="External.ExternalClient"/>). The generated proxies call these. The encoded arguments are lent for
/// the duration of the call only (a proxy encodes them in a buffer it uses again): an implementation copies what
/// it keeps before it returns.
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
/// MessagePack array; the RPC header carries <see cref="RpcWire.FormatVersion"/>. Each type's formatter is looked up
/// once (<see cref="Formatter{T}"/>), not per value.
/// </summary>
public static class RpcSerializer
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_arguments;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_results;

    /// <summary>The options every call uses.</summary>
    public static MessagePackSerializerOptions Options { get; } =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>Encodes <paramref name="value"/>.</summary>
    public static byte[] Serialize<T>(T value)
    {
        var buffer = Emptied(ref t_results);
        var writer = new MessagePackWriter(buffer);
        Formatter<T>.Instance.Serialize(ref writer, value, Options);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Encodes a method's result (generated dispatch): a <see cref="bool"/> as one of two shared encodings.</summary>
    public static ReadOnlyMemory<byte> EncodeResult<T>(T value) =>
        typeof(T) == typeof(bool) ? ((bool)(object)value! ? EncodedTrue : EncodedFalse) : Serialize(value);

    /// <summary>Decodes a <typeparamref name="T"/>.</summary>
    /// <exception cref="RpcException">The bytes are not a <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        try
        {
            return Formatter<T>.Instance.Deserialize(ref reader, Options);
        }
#pragma warning disable CA1031 // A formatter fails on foreign bytes in many ways; each is this error.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            throw new RpcException(RpcError.BadArguments, $"a reply does not decode as {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Starts an argument array of <paramref name="count"/> elements in this thread's scratch buffer (generated
    /// proxies): the bytes are valid until the thread encodes again, and every <see cref="IRpcCaller"/> copies
    /// the arguments before it returns.
    /// </summary>
    public static MessagePackWriter BeginArguments(int count, out ArrayBufferWriter<byte> buffer)
    {
        buffer = Emptied(ref t_arguments);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(count);
        return writer;
    }

    /// <summary>The formatter of <typeparamref name="T"/> (generated code keeps one per parameter type and passes it in).</summary>
    public static IMessagePackFormatter<T> FormatterOf<T>() => Formatter<T>.Instance;

    /// <summary>Writes one argument with its type's <paramref name="formatter"/> (generated proxies).</summary>
    public static void WriteArgument<T>(ref MessagePackWriter writer, IMessagePackFormatter<T> formatter, T value)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        formatter.Serialize(ref writer, value, Options);
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

    /// <summary>Reads one argument with its type's <paramref name="formatter"/> (generated dispatch).</summary>
    /// <exception cref="RpcException">It does not decode as <typeparamref name="T"/>.</exception>
    public static T ReadArgument<T>(ref MessagePackReader reader, IMessagePackFormatter<T> formatter, string method, string parameter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        try
        {
            return formatter.Deserialize(ref reader, Options);
        }
#pragma warning disable CA1031 // A formatter fails on foreign bytes in many ways; each is this error.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
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
        return EncodeResult(await result.ConfigureAwait(false));
    }

    /// <summary>Awaits a method's result and encodes it (generated dispatch).</summary>
    public static async ValueTask<ReadOnlyMemory<byte>> SerializeAsync<T>(ValueTask<T> result) => EncodeResult(await result.ConfigureAwait(false));

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
    public static ReadOnlyMemory<byte> NilResult { get; } = MessagePackSerializer.Serialize(Nil.Default, Options);

    private static byte[] EncodedTrue { get; } = MessagePackSerializer.Serialize(true, Options);

    private static byte[] EncodedFalse { get; } = MessagePackSerializer.Serialize(false, Options);

    /// <summary>A thread's buffer for encoding, emptied.</summary>
    private static ArrayBufferWriter<byte> Emptied(ref ArrayBufferWriter<byte>? buffer)
    {
        buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        return buffer;
    }

    /// <summary>The formatter of <typeparamref name="T"/>, looked up once.</summary>
    private static class Formatter<T>
    {
        public static readonly IMessagePackFormatter<T> Instance = Options.Resolver.GetFormatterWithVerify<T>();
    }
}
