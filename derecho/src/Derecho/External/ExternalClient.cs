using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Derecho.Layout;
using Derecho.Rpc;
using Derecho.Transport;

namespace Derecho.External;

/// <summary>Settings of an <see cref="ExternalClient"/>.</summary>
public sealed record ExternalClientOptions
{
    /// <summary>
    /// How long a call waits for its reply, failovers included, unless its cancellation token ends the wait sooner
    /// (positive; at most a day).
    /// </summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one connection attempt to a member may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>A member as an external client sees it.</summary>
/// <param name="NodeId">Its node id.</param>
/// <param name="Endpoint">Where it accepts connections (members and clients alike).</param>
public readonly record struct ClientViewMember(uint NodeId, string Endpoint);

/// <summary>The group's view and layout as the client's member last reported them.</summary>
/// <param name="ViewId">The view id.</param>
/// <param name="Members">The members in rank order.</param>
/// <param name="TypeNames">The layout's subgroup types, in order.</param>
/// <param name="Allocation">Every shard's members, or null while the view is inadequate.</param>
public sealed record ClientView(int ViewId, IReadOnlyList<ClientViewMember> Members, IReadOnlyList<string> TypeNames, GroupAllocation? Allocation)
{
    /// <summary>How large a request the client's member accepts (null: a member that does not say).</summary>
    internal RequestLimits? Limits { get; init; }
}

/// <summary>
/// A process outside the group that calls its replicated objects (Derecho's <c>ExternalGroupClient</c>). It
/// connects to any member (its <c>local_ip:gms_port</c>), learns the view and the layout, and follows view
/// changes; ordered and P2P calls travel through that member. When the member fails, the client connects to
/// another one from the last view and sends its unanswered calls again under the same ids, so an ordered call
/// runs once however often it is sent. Subscribed notifications arrive from the member too.
/// </summary>
public sealed class ExternalClient : IRpcCaller, IAsyncDisposable
{
    private readonly ExternalClientOptions _options;
    private readonly TcpTransport _transport;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<CallId, ClientCall> _calls = new();
    private readonly ConcurrentDictionary<(int Type, int Subgroup, int Shard), Action<ReadOnlyMemory<byte>>> _subscriptions = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly List<IPEndPoint> _contacts;
    private readonly Timer _housekeeping;

    /// <summary>
    /// The client whose settled calls this thread is completing (see <see cref="CompleteSettled"/>): the calls their awaiters
    /// make meanwhile are written to the connection and flushed together at the end, one system call for all of them.
    /// </summary>
    [ThreadStatic]
    private static ExternalClient? t_completing;

    /// <summary>Calls were written to the connection while settled calls completed, and are not flushed yet (under <see cref="_gate"/>).</summary>
    private bool _flushOwed;
    private readonly Lock _settledGate = new();
    /// <summary>Calls that messages read since the lane's last turn settled, in order (under <see cref="_settledGate"/>).</summary>
    private List<(ClientCall Call, List<(uint Node, RpcReply Reply)> Replies)> _settled = [];
    /// <summary>A lane turn is queued that has not taken <see cref="_settled"/> yet (under <see cref="_settledGate"/>).</summary>
    private bool _turnQueued;
    private TaskCompletionSource _viewReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PeerConnection? _connection;
    /// <summary>A failover runs (under <see cref="_gate"/>): it, not a new one, replaces a connection that closes meanwhile.</summary>
    private bool _failingOver;
    private long _nextSequence;
    private volatile ClientView? _view;

    private ExternalClient(IPEndPoint contact, ExternalClientOptions options)
    {
        _options = options;
        _contacts = [contact];
        // Client ids live above the members' (node ids below 2^31), so that a client never passes for a member.
        ClientId = 0x8000_0000u | (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
        _transport = new TcpTransport(new Hello(ClientId, BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8))), new Events(this), 256 << 20);
        // An awaiter that blocks its thread waiting for a call it made while settled calls completed would wait
        // forever for a flush that comes only after it: this flushes what is owed after at most OwedFlushPeriod.
        // It also fails calls past their deadline.
        _housekeeping = new Timer(static client => ((ExternalClient)client!).Housekeeping(), this, HousekeepingPeriod, HousekeepingPeriod);
    }

    /// <summary>
    /// How often calls written while settled calls complete are flushed at the latest (see <see cref="t_completing"/>),
    /// and calls past their deadline fail.
    /// </summary>
    private static readonly TimeSpan HousekeepingPeriod = TimeSpan.FromMilliseconds(50);

    /// <summary>This client's id (what members see as its node id).</summary>
    public uint ClientId { get; }

    /// <summary>The view and layout last reported.</summary>
    public ClientView View => _view ?? throw new InvalidOperationException("not connected yet");

    /// <summary>The member this client talks through, or null between two connections.</summary>
    public uint? ConnectedTo
    {
        get
        {
            lock (_gate)
            {
                return _connection is { IsClosed: false } c ? c.Remote.NodeId : null;
            }
        }
    }

    /// <summary>Called with every view the member reports (on a transport thread).</summary>
    public event Action<ClientView>? ViewChanged;

    /// <summary>Connects to the member at <paramref name="contact"/> and waits for its view.</summary>
    /// <exception cref="SocketException">The member cannot be reached.</exception>
    /// <exception cref="IOException">The handshake failed.</exception>
    /// <exception cref="TimeoutException">The member did not complete the handshake or send its view within <see cref="ExternalClientOptions.ConnectTimeout"/>.</exception>
    public static async Task<ExternalClient> ConnectAsync(IPEndPoint contact, ExternalClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contact);
        options ??= new ExternalClientOptions();
        if (options.CallTimeout <= TimeSpan.Zero || options.CallTimeout > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.CallTimeout, "CallTimeout must be positive and at most a day");
        }
        var client = new ExternalClient(contact, options);
        try
        {
            await client.ConnectToAsync(contact, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The members of <paramref name="shard"/> of <paramref name="subgroup"/> in the last reported view.</summary>
    /// <exception cref="RpcException">No such shard, or the view is inadequate.</exception>
    public IReadOnlyList<uint> ShardMembers(SubgroupId subgroup, int shard)
    {
        var view = View;
        var type = TypeIndex(view, subgroup);
        if (view.Allocation is null)
        {
            throw new RpcException(RpcError.InadequateView, $"view {view.ViewId} is inadequate for the layout");
        }
        return view.Allocation.Shard(type, subgroup.Index, shard)?.Members
            ?? throw new RpcException(RpcError.NotAMember, $"the layout has no shard {shard} of {subgroup}");
    }

    /// <inheritdoc />
    public QueryResults<TResult> Ordered<TResult>(SubgroupId subgroup, int shard, uint methodId, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken = default)
    {
        var id = NextCallId();
        var view = View;
        var type = TypeIndex(view, subgroup);
        var request = new RpcMessageWriter(RpcKind.ClientOrdered, 32 + arguments.Length)
            .Call(id).Subgroup(type, subgroup.Index).UInt16(shard).UInt32(methodId).Rest(arguments.Span).ToMemory();
        try
        {
            view.Limits?.CheckOrdered(arguments.Length);
            view.Limits?.CheckMessage(request.Length);
        }
        catch (RpcException e)
        {
            return new QueryResults<TResult>(Task.FromException<IOrderedReplies>(e));
        }
        return new QueryResults<TResult>(Start(id, request, cancellationToken));
    }

    /// <inheritdoc />
    public async Task<TResult> P2PAsync<TResult>(SubgroupId subgroup, uint node, uint methodId, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken = default)
    {
        var id = NextCallId();
        var view = View;
        var type = TypeIndex(view, subgroup);
        var request = new RpcMessageWriter(RpcKind.ClientP2P, 32 + arguments.Length)
            .Call(id).UInt32(node).Subgroup(type, subgroup.Index).UInt32(methodId).Rest(arguments.Span).ToMemory();
        view.Limits?.CheckMessage(request.Length);
        var replies = await Start(id, request, cancellationToken).Replies.ConfigureAwait(false);
        var (from, reply) = replies[0];
        return reply.Error is null ? RpcSerializer.Deserialize<TResult>(reply.Result) : throw reply.ToException(from);
    }

    /// <summary>
    /// Receives the notifications of <paramref name="shard"/> of <paramref name="subgroup"/> (pushed by its ordered
    /// handlers through <see cref="ReplicaContext.Notify"/>), on a transport thread.
    /// </summary>
    public void Subscribe(SubgroupId subgroup, int shard, Action<ReadOnlyMemory<byte>> onNotification)
    {
        ArgumentNullException.ThrowIfNull(onNotification);
        var key = (TypeIndex(View, subgroup), subgroup.Index, shard);
        _subscriptions[key] = onNotification;
        Send(new RpcMessageWriter(RpcKind.Subscribe).Subgroup(key.Item1, key.Index).UInt16(shard).ToMemory());
    }

    /// <summary>Closes the connection; unanswered calls fail.</summary>
    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        await _housekeeping.DisposeAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _connection?.Close("client closed");
        }
        await _transport.DisposeAsync().ConfigureAwait(false);
        FailAll(new RpcException(RpcError.Stopped, "the client was closed"));
        _viewReady.TrySetException(new RpcException(RpcError.Stopped, "the client was closed"));
    }

    private static int TypeIndex(ClientView view, SubgroupId subgroup)
    {
        for (var t = 0; t < view.TypeNames.Count; t++)
        {
            if (GroupLayout.NamesMatch(view.TypeNames[t], subgroup.TypeName))
            {
                return t;
            }
        }
        throw new RpcException(RpcError.NotAMember, $"the group's layout has no subgroup type {subgroup.TypeName} (it has {string.Join(", ", view.TypeNames)})");
    }

    private CallId NextCallId() => new(ClientId, (ulong)Interlocked.Increment(ref _nextSequence));

    /// <summary>
    /// Sends a call and returns it, waiting for its replies for <see cref="ExternalClientOptions.CallTimeout"/> or
    /// until <paramref name="cancellationToken"/> is canceled, whichever comes first.
    /// </summary>
    private ClientCall Start(CallId id, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var call = new ClientCall(this, id, request, Stopwatch.GetTimestamp() + (long)(_options.CallTimeout.TotalSeconds * Stopwatch.Frequency));
        _calls[id] = call;
        if (cancellationToken.CanBeCanceled)
        {
            call.CancelWith(cancellationToken);
        }
        Send(request);
        return call;
    }

    /// <summary>Fails the calls that waited longer than <see cref="ExternalClientOptions.CallTimeout"/> (the housekeeping timer), on the lane.</summary>
    private void FailOverdueCalls()
    {
        var now = Stopwatch.GetTimestamp();
        List<ClientCall>? overdue = null;
        foreach (var (_, call) in _calls)
        {
            if (call.Deadline < now)
            {
                (overdue ??= []).Add(call);
            }
        }
        if (overdue is not null)
        {
            Fail(overdue, new RpcException(RpcError.Timeout, $"no reply within {_options.CallTimeout.TotalSeconds:0.#} s"));
        }
    }

    private void Send(ReadOnlyMemory<byte> message)
    {
        lock (_gate)
        {
            // Without a connection the message waits for the failover, which sends every unanswered call again (and
            // starts again if an earlier one gave up).
            if (_connection is null)
            {
                StartFailover(null);
            }
            else if (_connection is { IsClosed: false } connection)
            {
                connection.Send(FrameType.Direct, message.Span);
                if (t_completing == this)
                {
                    _flushOwed = true;
                }
                else
                {
                    connection.Flush();
                }
            }
        }
    }

    private void Housekeeping()
    {
        FlushOwed();
        FailOverdueCalls();
    }

    /// <summary>Flushes the calls written while settled calls completed.</summary>
    private void FlushOwed()
    {
        lock (_gate)
        {
            if (_flushOwed)
            {
                _flushOwed = false;
                _connection?.Flush();
            }
        }
    }

    /// <summary>
    /// A lane turn: completes the calls settled since the last one. Their awaiters run here one after another, and
    /// the calls they make leave together once all ran.
    /// </summary>
    private void CompleteSettled()
    {
        List<(ClientCall Call, List<(uint Node, RpcReply Reply)> Replies)> settled;
        lock (_settledGate)
        {
            settled = _settled;
            _settled = [];
            _turnQueued = false;
        }
        t_completing = this;
        try
        {
            foreach (var (call, replies) in settled)
            {
                call.Complete(replies);
            }
        }
        finally
        {
            t_completing = null;
            FlushOwed();
        }
    }

    private async Task ConnectToAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        PeerConnection connection;
        try
        {
            connection = await _transport.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_disposed.IsCancellationRequested)
        {
            throw NoAnswer(endpoint, "no handshake");
        }
        TaskCompletionSource ready;
        lock (_gate)
        {
            _connection?.Close("replaced");
            _connection = connection;
            ready = _viewReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.Send(FrameType.Direct, new RpcMessageWriter(RpcKind.ClientHello).ToMemory().Span);
            connection.Flush();
        }
        try
        {
            await ready.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_disposed.IsCancellationRequested)
        {
            connection.Close("no view from the member");
            throw NoAnswer(endpoint, "no view");
        }
        lock (_gate)
        {
            foreach (var ((type, subgroup, shard), _) in _subscriptions)
            {
                connection.Send(FrameType.Direct, new RpcMessageWriter(RpcKind.Subscribe).Subgroup(type, subgroup).UInt16(shard).ToMemory().Span);
            }
            foreach (var call in _calls.Values)
            {
                connection.Send(FrameType.Direct, call.Request.Span);
            }
            connection.Flush();
        }
    }

    private TimeoutException NoAnswer(IPEndPoint endpoint, string missing) =>
        new($"no answer from {endpoint} within {_options.ConnectTimeout.TotalSeconds:0.###} s ({missing}: is it a Derecho member, and running?)");

    /// <summary>Starts a failover unless one runs (under <see cref="_gate"/>).</summary>
    private void StartFailover(uint? lost)
    {
        if (!_failingOver && !_disposed.IsCancellationRequested)
        {
            _failingOver = true;
            _ = Task.Run(() => FailoverAsync(lost));
        }
    }

    /// <summary>
    /// The member's connection broke: try the members of the last view (but <paramref name="lost"/>), then the first
    /// contact, until one answers and its connection is still open once the unanswered calls were sent again.
    /// </summary>
    private async Task FailoverAsync(uint? lost)
    {
        var deadline = DateTime.UtcNow + _options.CallTimeout;
        while (!_disposed.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            var candidates = (_view?.Members ?? []).Where(m => m.NodeId != lost)
                .Select(m => IPEndPoint.TryParse(m.Endpoint, out var e) ? e : null).OfType<IPEndPoint>()
                .Concat(_contacts).ToList();
            foreach (var endpoint in candidates)
            {
                try
                {
                    await ConnectToAsync(endpoint, _disposed.Token).ConfigureAwait(false);
                    lock (_gate)
                    {
                        // A connection that closed already (a resent call it refused, say) was left to this loop.
                        if (_connection is { IsClosed: false })
                        {
                            _failingOver = false;
                            return;
                        }
                    }
                }
                catch (Exception e) when (e is SocketException or IOException or TimeoutException or OperationCanceledException)
                {
                    if (_disposed.IsCancellationRequested)
                    {
                        return;
                    }
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None).ConfigureAwait(false);
        }
        lock (_gate)
        {
            _failingOver = false;
        }
        FailAll(new RpcException(RpcError.Stopped, "no member of the group could be reached"));
    }

    private void FailAll(Exception error) => Fail([.. _calls.Values], error);

    /// <summary>Fails <paramref name="calls"/> with <paramref name="error"/> on the lane (where their awaiters run, as for replies).</summary>
    private static void Fail(IReadOnlyList<ClientCall> calls, Exception error) => WorkLane.Shared.Queue(static failed =>
    {
        foreach (var call in failed.Calls)
        {
            call.Fail(failed.Error);
        }
    }, (Calls: calls, Error: error));

    private void OnMessage(ReadOnlyMemory<byte> payload)
    {
        var reader = new RpcMessageReader(payload);
        switch (reader.Kind)
        {
            case RpcKind.ViewInfo:
                OnView(ref reader);
                break;
            case RpcKind.ClientReply:
            case RpcKind.ClientReplies:
                var settled = new List<(ClientCall Call, List<(uint Node, RpcReply Reply)> Replies)>();
                do
                {
                    OnReply(ref reader, settled);
                }
                while (reader.Kind == RpcKind.ClientReplies && !reader.AtEnd);
                if (settled.Count == 0)
                {
                    break;
                }
                // The calls that messages settle while a lane turn waits to start join it, and their awaiters' calls
                // leave in one write: one turn per burst of replies, not one per message. A turn that runs takes no
                // more, so that an awaiter there that blocks on its own call is answered by the next turn.
                bool start;
                lock (_settledGate)
                {
                    _settled.AddRange(settled);
                    start = !_turnQueued;
                    _turnQueued = true;
                }
                if (start)
                {
                    WorkLane.Shared.Queue(static client => client.CompleteSettled(), this);
                }
                break;
            case RpcKind.Notification:
                var key = (reader.UInt16(), reader.UInt16(), reader.UInt16());
                if (_subscriptions.TryGetValue(key, out var handler))
                {
                    handler(reader.Rest());
                }
                break;
            default:
                throw new RpcFormatException($"a {reader.Kind} message is not for a client");
        }
    }

    /// <summary>The replies of one call: its id, then each member's reply (added to <paramref name="settled"/> if the call still waits).</summary>
    private void OnReply(ref RpcMessageReader reader, List<(ClientCall Call, List<(uint Node, RpcReply Reply)> Replies)> settled)
    {
        var id = reader.Call();
        var count = reader.Int32();
        var replies = new List<(uint, RpcReply)>(Math.Clamp(count, 0, 1024));
        for (var i = 0; i < count; i++)
        {
            replies.Add((reader.UInt32(), RpcReply.Read(ref reader)));
        }
        if (_calls.TryGetValue(id, out var call))
        {
            settled.Add((call, replies));
        }
    }

    private void OnView(ref RpcMessageReader reader)
    {
        var viewId = reader.Int32();
        var count = reader.Int32();
        var members = new List<ClientViewMember>(Math.Clamp(count, 0, 1024));
        for (var i = 0; i < count; i++)
        {
            members.Add(new ClientViewMember(reader.UInt32(), reader.String()));
        }
        var types = new List<string>();
        for (var t = reader.Int32(); t > 0; t--)
        {
            types.Add(reader.String());
        }
        var bytes = reader.Bytes();
        GroupAllocation? allocation;
        try
        {
            allocation = bytes.IsEmpty ? null : GroupAllocation.FromBytes(bytes.Span);
        }
        catch (FormatException e)
        {
            throw new RpcFormatException($"bad layout in a view: {e.Message}", e);
        }
        // Members that say how large a request they accept do so last.
        var limits = reader.AtEnd ? (RequestLimits?)null : new RequestLimits(reader.Int32(), reader.Int32());
        var view = new ClientView(viewId, members, types, allocation) { Limits = limits };
        if (_view is null || view.ViewId >= _view.ViewId)
        {
            _view = view;
        }
        _viewReady.TrySetResult();
        ViewChanged?.Invoke(view);
    }

    /// <summary>
    /// A call waiting for its replies, which come all at once from the client's member; completed only on the
    /// <see cref="WorkLane"/> (its awaiters run there, never on a connection's or a timer's thread), also when it times
    /// out or its token cancels it. As an ordered call's replies, an error alone in place of every member's reply (the
    /// call could not be ordered) is the call's failure.
    /// </summary>
    private sealed class ClientCall(ExternalClient client, CallId id, ReadOnlyMemory<byte> request, long deadline) : IOrderedReplies
    {
        private readonly TaskCompletionSource<List<(uint Node, RpcReply Reply)>> _replies = new();
        private CancellationTokenRegistration _cancellation;

        public ReadOnlyMemory<byte> Request { get; } = request;

        /// <summary>When the call times out (a <see cref="Stopwatch"/> timestamp; never when its token can cancel it).</summary>
        public long Deadline { get; } = deadline;

        /// <summary>The replies as they came.</summary>
        public Task<List<(uint Node, RpcReply Reply)>> Replies => _replies.Task;

        public Task AllReplied => _replies.Task;

        public Task<IReadOnlyDictionary<uint, Task<ReadOnlyMemory<byte>>>> Members =>
            _replies.Task.ContinueWith<IReadOnlyDictionary<uint, Task<ReadOnlyMemory<byte>>>>(
                _ => Settled().ToDictionary(r => r.Node, r => r.Failure is null && r.Reply.Error is null
                    ? Task.FromResult(r.Reply.Result)
                    : Task.FromException<ReadOnlyMemory<byte>>(r.Failure ?? r.Reply.ToException(r.Node))),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        public void CancelWith(CancellationToken token) =>
            _cancellation = token.UnsafeRegister(static (state, token) => WorkLane.Shared.Queue(static canceled =>
            {
                canceled.Call.Leave();
                canceled.Call._replies.TrySetCanceled(canceled.Token);
            }, (Call: (ClientCall)state!, Token: token)), this);

#pragma warning disable VSTHRD002 // Read once AllReplied completed.
        public IReadOnlyList<MemberReply> Settled()
        {
            var replies = _replies.Task.GetAwaiter().GetResult();
            if (replies.Count == 1 && replies[0].Reply.Error is { } error && error != RpcError.HandlerFailed && error != RpcError.MemberRemoved)
            {
                throw replies[0].Reply.ToException(replies[0].Node);
            }
            var settled = new MemberReply[replies.Count];
            for (var i = 0; i < settled.Length; i++)
            {
                settled[i] = new MemberReply(replies[i].Node, replies[i].Reply, null);
            }
            return settled;
        }
#pragma warning restore VSTHRD002

        public void WhenAllReplied(Action continuation) =>
            _ = _replies.Task.ContinueWith(_ => continuation(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        public void Complete(List<(uint Node, RpcReply Reply)> replies)
        {
            Leave();
            _replies.TrySetResult(replies);
        }

        public void Fail(Exception error)
        {
            Leave();
            _replies.TrySetException(error);
        }

        /// <summary>Stops waiting: the call leaves the client's table, its token's registration ends.</summary>
        private void Leave()
        {
            client._calls.TryRemove(new KeyValuePair<CallId, ClientCall>(id, this));
            _cancellation.Dispose();
        }
    }

    private sealed class Events(ExternalClient client) : ITransportHandler
    {
        public void OnAccepted(PeerConnection connection) => connection.Close("a client accepts no connections");

        public void OnFrame(PeerConnection connection, FrameType type, ReadOnlyMemory<byte> payload)
        {
            if (type != FrameType.Direct)
            {
                connection.Close($"unexpected {type} frame");
                return;
            }
            try
            {
                client.OnMessage(payload.ToArray());
            }
            catch (RpcFormatException e)
            {
                connection.Close($"malformed message: {e.Message}");
            }
        }

        public void OnClosed(PeerConnection connection, string reason)
        {
            lock (client._gate)
            {
                if (connection != client._connection || client._disposed.IsCancellationRequested)
                {
                    return;
                }
                client._connection = null;
                client.StartFailover(connection.Remote.NodeId);
            }
        }
    }
}
