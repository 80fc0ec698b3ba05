using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Derecho.Membership;
using Derecho.Protocol;
using Derecho.Transport;

namespace Derecho;

/// <summary>The event loop: the only thread that touches the protocol core and the connection tables.</summary>
public sealed partial class Group
{
    private const int MaxInputsPerBatch = 4096;

    /// <summary>Rounds a thread runs the loop for before it hands the loop to the work lane and goes back to its own work.</summary>
    private const int MaxRoundsPerTurn = 16;

    private const int LoopFree = 0;
    private const int LoopRunning = 1;
    private const int LoopClosed = 2;

    /// <summary>Bulk frames handled per batch of inputs: at most about a megabyte before the control inputs get another turn.</summary>
    private const int MaxBulkFramesPerBatch = 16;
    private static readonly TimeSpan ConnectRetryInterval = TimeSpan.FromMilliseconds(500);

    private readonly Dictionary<PeerConnection, uint> _connections = [];
    private readonly Dictionary<uint, PeerConnection> _sendConnections = [];
    private readonly Dictionary<string, List<(uint? To, FrameType Type, ReadOnlyMemory<byte> Body)>> _waitingForConnect = [];
    private readonly Dictionary<string, uint> _endpointNodes = [];
    private readonly Dictionary<string, DateTimeOffset> _failedConnects = [];
    private readonly Dictionary<long, SendInput> _pendingSends = [];
    private readonly HashSet<PeerConnection> _dirty = [];
    private readonly List<MemberOutput> _outputs = [];
    private DateTimeOffset _armedDeadline = DateTimeOffset.MaxValue;

    /// <summary>When the loop last carried out a round's outputs (a <see cref="Stopwatch"/> timestamp; see <see cref="KeepAlive"/>).</summary>
    private long _lastRoundAt = Stopwatch.GetTimestamp();

    /// <summary>The connections to the other members of the current view, for <see cref="KeepAlive"/> (published by the loop).</summary>
    private volatile PeerConnection[] _aliveTargets = [];
    private bool _aliveTargetsChanged;
    private (FrameType Type, ReadOnlyMemory<byte> Body, ReadOnlyMemory<byte> Tail, ReadOnlyMemory<byte> Header)? _lastFramed;

    /// <summary>Queues an input for the event loop; false once the member is disposed or its loop failed.</summary>
    private bool Post(Input input)
    {
        if (Volatile.Read(ref _loopState) == LoopClosed)
        {
            return false;
        }
        _inputs.Enqueue(input);
        return true;
    }

    /// <summary>Queues an input and runs the loop on this thread unless another runs it (transport threads, the timer).</summary>
    private bool PostAndRun(Input input)
    {
        if (!Post(input))
        {
            return false;
        }
        RunLoopHere();
        return true;
    }

    /// <summary>
    /// Queues an input and has a thread of the <see cref="WorkLane"/> run the loop unless one runs it: for the application's calls,
    /// so that sends made one after another leave as one batch rather than one frame each.
    /// </summary>
    private bool PostAndRequest(Input input)
    {
        if (!Post(input))
        {
            return false;
        }
        RequestLoop();
        return true;
    }

    private void RequestLoop()
    {
        // A thread running the loop looks at the queue again after it lets go, so it needs no second thread. From a
        // lane thread (a send made in the continuation of the one before), the loop runs on that same thread next.
        if (Volatile.Read(ref _loopState) == LoopFree && Interlocked.Exchange(ref _loopRequested, 1) == 0)
        {
            WorkLane.Shared.Queue(static group =>
            {
                Volatile.Write(ref group._loopRequested, 0);
                group.RunLoopHere();
            }, this);
        }
    }

    /// <summary>Inputs wait; none run before the member exists (a peer may connect as soon as the ports listen).</summary>
    private bool HasWork => Volatile.Read(ref _member) is not null && (!_inputs.IsEmpty || !_bulkFrames.IsEmpty);

    /// <summary>
    /// Runs the event loop on the calling thread if no other thread runs it, until no input waits (or for a bounded
    /// number of rounds, then a lane thread takes over). Whoever holds the loop is the only thread that
    /// touches the protocol core and the connection tables, so a frame is handled on the thread that read it
    /// whenever the loop is free: no hand-off, no wake-up of another thread.
    /// </summary>
    private void RunLoopHere()
    {
        while (HasWork && Interlocked.CompareExchange(ref _loopState, LoopRunning, LoopFree) == LoopFree)
        {
            bool more;
            try
            {
                more = RunRounds();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.Stopped(NodeId, $"event loop failed: {e}");
                Fail(new GroupStoppedException("the member's event loop failed", e));
                Volatile.Write(ref _loopState, LoopClosed);
                return;
            }
            Volatile.Write(ref _loopState, LoopFree);
            if (more)
            {
                RequestLoop();
                return;
            }
        }
    }

    /// <summary>Rounds of: the waiting control inputs, a bounded number of bulk frames, a due tick, the outputs. True if work is left.</summary>
    private bool RunRounds()
    {
        for (var round = 0; round < MaxRoundsPerTurn; round++)
        {
            var handled = false;
            for (var count = 0; count < MaxInputsPerBatch && _inputs.TryDequeue(out var input); count++)
            {
                Handle(input);
                handled = true;
            }
            // Bulk frames after the control inputs that came before, so that rows and heartbeats are never processed
            // late behind megabytes of data (which would raise false suspicions).
            for (var count = 0; count < MaxBulkFramesPerBatch && _bulkFrames.TryDequeue(out var frame); count++)
            {
                Receive(frame.Connection, frame.Body, frame.Tail);
                handled = true;
            }
            if (!handled)
            {
                return false;
            }
            if (_member.Status != MemberStatus.Stopped && _time.GetUtcNow() >= _member.NextDeadline)
            {
                TickMember();
            }
            CarryOutOutputs();
        }
        return HasWork;
    }

    /// <summary>Closes the loop for good once no thread runs it; inputs posted afterwards are refused.</summary>
    private async Task CloseLoopAsync()
    {
        while (Interlocked.CompareExchange(ref _loopState, LoopClosed, LoopFree) == LoopRunning)
        {
            await Task.Delay(1).ConfigureAwait(false);
        }
        while (_inputs.TryDequeue(out var input))
        {
            if (input is SendInput send)
            {
                send.Completion.TrySetException(new GroupStoppedException("this member has been disposed"));
            }
        }
    }

    private void Handle(Input input)
    {
        switch (input)
        {
            case FrameInput frame:
                Receive(frame.Connection, frame.Body, frame.Tail);
                break;
            case SendInput send:
                StartSend(send);
                break;
            case TickInput:
                _armedDeadline = DateTimeOffset.MaxValue;
                TickMember();
                break;
            case ConnectedInput connected:
                Register(connected.Connection, connected.Endpoint);
                break;
            case ClosedInput closed:
                Closed(closed.Connection, closed.Reason);
                break;
            case ConnectFailedInput failed:
                ConnectFailed(failed.Endpoint, failed.Reason);
                break;
            case LeaveInput:
                _member.Leave();
                break;
            case DirectSendInput direct:
                SendDirectNow(direct);
                break;
            case AliveInput alive when _connections.TryGetValue(alive.Connection, out var from):
                _member.Alive(from);
                break;
            case PersistedInput persisted:
                _member.ReportPersisted(persisted.Shard, persisted.ViewId, persisted.Count);
                break;
            case ProbedInput probed:
                _member.ProbeAnswered(probed.Holder, probed.Alive);
                break;
        }
    }

    /// <summary>A tick that tells the member how far the I/O thread has read (see <see cref="Member.Tick(DateTimeOffset)"/>).</summary>
    private void TickMember() => _member.Tick(_time.GetUtcNow() - _transport.ReaderBusyFor);

    private void Receive(PeerConnection connection, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> tail)
    {
        if (!_connections.TryGetValue(connection, out var node))
        {
            if (connection.IsClosed)
            {
                return;
            }
            // Frames of a fresh connection may overtake the event announcing it.
            node = Register(connection, null);
        }
        try
        {
            _member.Receive(node, body, tail);
        }
        catch (ProtocolFormatException e)
        {
            _logger.DroppingConnection(connection.ToString(), e.Message);
            _connections.Remove(connection);
            Forget(connection);
            connection.Close($"malformed message: {e.Message}");
            _member.ConnectionLost(node);
        }
    }

    private void StartSend(SendInput send)
    {
        long id;
        try
        {
            id = _member.SendWithoutCopy(send.Shard, send.Payload);
        }
        catch (InvalidOperationException e) when (_member.Status == MemberStatus.Active && !_member.IsShardMember(send.Shard))
        {
            send.Completion.TrySetException(new InvalidOperationException(e.Message, e));
            return;
        }
        catch (InvalidOperationException)
        {
            send.Completion.TrySetException(new GroupStoppedException(_member.StopReason ?? StopReason.Left));
            return;
        }
        catch (ArgumentException e)
        {
            send.Completion.TrySetException(e);
            return;
        }
        _pendingSends.Add(id, send);
        _pendingSendCount = _pendingSends.Count;
    }

    private uint Register(PeerConnection connection, string? endpoint)
    {
        var node = connection.Remote.NodeId;
        if (connection.IsClosed)
        {
            return node;
        }
        _connections.TryAdd(connection, node);
        if (endpoint is not null)
        {
            _endpointNodes[endpoint] = node;
        }
        var aside = false;
        if (!_sendConnections.TryGetValue(node, out var current) || current.IsClosed)
        {
            _sendConnections[node] = connection;
        }
        else if (current.Remote.Incarnation != connection.Remote.Incarnation)
        {
            if (IsInView(current.Remote) && !IsInView(connection.Remote))
            {
                // Another process with the node id of a member of the view whose connection is open: a restart not
                // yet admitted, or one configured with a live member's id. It only asks to join (and is answered over
                // this connection, SendToJoiner); the member keeps its connection until a view replaces it.
                aside = true;
            }
            else
            {
                // The node restarted: its old incarnation's connection is dead weight.
                _connections.Remove(current);
                current.Close("replaced by a newer incarnation");
                _sendConnections[node] = connection;
            }
        }
        _aliveTargetsChanged = true;
        // Bodies that waited for a connection to this node go first, in their order.
        var target = aside ? connection : _sendConnections[node];
        foreach (var (waitingEndpoint, waiting) in _waitingForConnect.ToList())
        {
            var mine = waitingEndpoint == endpoint;
            if (!mine && (aside || !waiting.Any(w => w.To == node)))
            {
                continue;
            }
            var keep = new List<(uint?, FrameType, ReadOnlyMemory<byte>)>();
            foreach (var (to, type, body) in waiting)
            {
                if (to == node || (mine && to is null))
                {
                    target.Send(type, body.Span);
                    _dirty.Add(target);
                }
                else if (mine && to is not null)
                {
                    // The endpoint answered with another node's id: the one we wanted is not there.
                    _member.ConnectFailed(to.Value, waitingEndpoint);
                }
                else
                {
                    keep.Add((to, type, body));
                }
            }
            if (keep.Count == 0 || mine)
            {
                _waitingForConnect.Remove(waitingEndpoint);
            }
            else
            {
                _waitingForConnect[waitingEndpoint] = keep;
            }
        }
        return node;
    }

    private void Closed(PeerConnection connection, string reason)
    {
        if (!_connections.Remove(connection, out var node))
        {
            return;
        }
        // A connection of another process with the node id of a member of the view (see Register) says nothing
        // about that member.
        var sending = _sendConnections.TryGetValue(node, out var current) && current == connection;
        var view = _member.View;
        var otherProcess = !sending && view is not null && view.RankOf(node) >= 0 && !IsInView(connection.Remote);
        // An external client or a joiner going away is routine; a member's connection breaking is not.
        if ((view is not null && view.RankOf(node) < 0) || otherProcess)
        {
            _logger.NonMemberConnectionClosed(connection.ToString(), reason);
        }
        else
        {
            _logger.ConnectionLost(connection.ToString(), reason);
        }
        Forget(connection);
        if (!otherProcess)
        {
            _member.ConnectionLost(node);
        }
    }

    private void Forget(PeerConnection connection)
    {
        _aliveTargetsChanged = true;
        var node = connection.Remote.NodeId;
        if (_sendConnections.TryGetValue(node, out var current) && current == connection)
        {
            _sendConnections.Remove(node);
            // Another live connection to the same incarnation, or to the view's one (its successor), can carry on.
            foreach (var (other, otherNode) in _connections)
            {
                if (otherNode == node && !other.IsClosed && (other.Remote == connection.Remote || IsInView(other.Remote)))
                {
                    _sendConnections[node] = other;
                    break;
                }
            }
        }
    }

    private void ConnectFailed(string endpoint, string reason)
    {
        _logger.ConnectFailed(endpoint, reason);
        _failedConnects[endpoint] = _time.GetUtcNow();
        if (!_waitingForConnect.Remove(endpoint, out var waiting))
        {
            return;
        }
        foreach (var to in waiting.Where(w => w.To is not null).Select(w => w.To!.Value).Distinct())
        {
            _member.ConnectFailed(to, endpoint);
        }
    }

    private void SendToPeer(SendToPeer send, FrameType? frameType = null)
    {
        var type = frameType ?? (send.Bulk ? FrameType.Bulk : FrameType.Protocol);
        if (send.To is { } to && _sendConnections.TryGetValue(to, out var connection) && !connection.IsClosed)
        {
            connection.Send(HeaderOf(send, type), send.Body, send.Tail, send.Bulk);
            _dirty.Add(connection);
            return;
        }
        if (send.To is null && _endpointNodes.TryGetValue(send.Endpoint, out var known) &&
            _sendConnections.TryGetValue(known, out connection) && !connection.IsClosed)
        {
            connection.Send(HeaderOf(send, type), send.Body, send.Tail, send.Bulk);
            _dirty.Add(connection);
            return;
        }
        if (_waitingForConnect.TryGetValue(send.Endpoint, out var waiting))
        {
            waiting.Add((send.To, type, send.WholeBody()));
            return;
        }
        if (_failedConnects.TryGetValue(send.Endpoint, out var failedAt) && _time.GetUtcNow() - failedAt < ConnectRetryInterval)
        {
            // The peer refused a moment ago: do not hammer it; the protocol already suspects it.
            if (send.To is { } peer)
            {
                _member.ConnectFailed(peer, send.Endpoint);
            }
            return;
        }
        _failedConnects.Remove(send.Endpoint);
        _waitingForConnect[send.Endpoint] = [(send.To, type, send.WholeBody())];
        _ = ConnectAsync(send.Endpoint);
    }

    /// <summary>
    /// Answers a joiner over a connection from that very process if there is one (its request came over it): its
    /// node id may be a live member's too, whose connection a send by node id would take.
    /// </summary>
    private void SendToJoiner(SendToJoiner send)
    {
        foreach (var (connection, _) in _connections)
        {
            if (connection.Remote == new Hello(send.Joiner.NodeId, send.Joiner.Incarnation) && !connection.IsClosed)
            {
                connection.Send(FrameType.Protocol, send.Body.Span);
                _dirty.Add(connection);
                return;
            }
        }
        SendToPeer(send.ToPeer());
    }

    /// <summary>
    /// Whether <paramref name="remote"/> is the incarnation of its node id in the current view (a connection from
    /// another process claiming the id, or from one that restarted and is not admitted yet, is not).
    /// </summary>
    private bool IsInView(Hello remote) =>
        _member.View is { } view && view.RankOf(remote.NodeId) is var rank and >= 0 && view.Members[rank].Incarnation == remote.Incarnation;

    /// <summary>
    /// The frame header of <paramref name="send"/>'s body: its checksum is computed once for all the peers the same
    /// body goes to (consecutive outputs), and a relayed block keeps the header it arrived with.
    /// </summary>
    private ReadOnlyMemory<byte> HeaderOf(SendToPeer send, FrameType type)
    {
        if (_lastFramed is { } last && last.Type == type && last.Body.Equals(send.Body) && last.Tail.Equals(send.Tail))
        {
            return last.Header;
        }
        var header = type == FrameType.Bulk && Frame.TryGetReceivedHeader(send.Body, send.Body.Length + send.Tail.Length, type, out var received)
            ? received
            : Frame.Header(type, send.Body.Span, send.Tail.Span);
        _lastFramed = (type, send.Body, send.Tail, header);
        return header;
    }

    private async Task ConnectAsync(string endpoint)
    {
        try
        {
            if (!IPEndPoint.TryParse(endpoint, out var address))
            {
                throw new IOException($"'{endpoint}' is not an address:port");
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            timeout.CancelAfter(_options.SuspicionTimeout + TcpTransport.HandshakeTimeout);
            var connection = await _transport.ConnectAsync(address, timeout.Token).ConfigureAwait(false);
            if (!PostAndRun(new ConnectedInput(connection, endpoint)))
            {
                connection.Close("member stopped");
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            PostAndRun(new ConnectFailedInput(endpoint, e.Message));
        }
    }

    /// <summary>
    /// Whether <paramref name="holder"/> still runs at its endpoint (<see cref="ProbeMember"/>): the process listening
    /// there must send its handshake with the holder's node id and incarnation within the suspicion timeout. A refused
    /// connect, silence (a frozen process) or another process there means the holder is gone.
    /// </summary>
    private async Task ProbeAsync(ViewMember holder)
    {
        var alive = false;
        if (IPEndPoint.TryParse(holder.Endpoint, out var address))
        {
            var answer = await TcpTransport.ProbeAsync(address, _options.SuspicionTimeout, _shutdown.Token).ConfigureAwait(false);
            alive = answer == new Hello(holder.NodeId, holder.Incarnation);
            _logger.Probed(holder.ToString(), answer?.ToString() ?? "nothing", alive);
        }
        PostAndRun(new ProbedInput(holder, alive));
    }

    /// <summary>
    /// Carries out the member's outputs in two passes: first everything that goes to peers (in order, with the
    /// connection bookkeeping of installed views that those sends rely on), flushed at once; then what runs the
    /// application's code (deliveries, view handlers, completions). A handler that takes long (the first view's
    /// replicas and logs, say) then delays nothing the peers wait for: the rows and heartbeats that this round
    /// produced are already on the wire.
    /// </summary>
    private void CarryOutOutputs()
    {
        _member.DrainOutputs(_outputs);
        foreach (var output in _outputs)
        {
            switch (output)
            {
                case SendToPeer send:
                    SendToPeer(send);
                    break;
                case SendToJoiner joiner:
                    SendToJoiner(joiner);
                    break;
                case ProbeMember probe:
                    _ = ProbeAsync(probe.Holder);
                    break;
                case ViewInstalled installed:
                    PrepareConnections(installed.View);
                    break;
            }
        }
        _lastFramed = null;
        foreach (var connection in _dirty)
        {
            connection.Flush();
        }
        _dirty.Clear();
        if (_aliveTargetsChanged && _member.View is { } view)
        {
            // Before the handlers: a long first-view handler is what the keep-alives are for.
            _aliveTargetsChanged = false;
            _aliveTargets = [.. view.Members.Where(m => m.NodeId != NodeId && _sendConnections.ContainsKey(m.NodeId)).Select(m => _sendConnections[m.NodeId])];
        }
        foreach (var output in _outputs)
        {
            switch (output)
            {
                case Delivery delivery:
                    Deliver(delivery);
                    break;
                case ViewInstalled installed:
                    Install(installed.View);
                    break;
                case SendCompleted completed when _pendingSends.Remove(completed.MessageId, out var send):
                    send.Completion.TrySetResult(completed.ViewId);
                    break;
                case SendFailed failed when _pendingSends.Remove(failed.MessageId, out var send):
                    send.Completion.TrySetException(new GroupStoppedException(_member.StopReason ?? StopReason.Left));
                    break;
                case PersistenceAdvanced advanced:
                    _handlers.PersistenceAdvanced?.Invoke(advanced);
                    break;
                case MemberStopped stopped:
                    _logger.Stopped(NodeId, stopped.Reason.ToString());
                    Fail(new GroupStoppedException(stopped.Reason, stopped.Detail));
                    _stopped.TrySetResult(stopped.Reason);
                    break;
            }
        }
        _outputs.Clear();
        _pendingSendCount = _pendingSends.Count;
        Rearm();
        Volatile.Write(ref _lastRoundAt, Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// The keep-alive thread, apart from the event loop as Derecho's heartbeat thread is apart from its predicate
    /// thread: when the loop has not finished a round for two heartbeat intervals (a handler that takes long, such as
    /// the first view's replicas and logs; or no thread free to run it on a loaded machine), it sends an
    /// <see cref="FrameType.Alive"/> frame to every other member each interval, so that they do not take this
    /// member's busy loop for its failure. For at most <see cref="Member.MaxUnreadDiscount"/> suspicion timeouts of
    /// a quiet loop: a member whose loop is stuck for good is suspected.
    /// </summary>
    private void KeepAlive()
    {
        var interval = _options.HeartbeatInterval;
        var limit = Member.MaxUnreadDiscount * _options.SuspicionTimeout;
        while (Volatile.Read(ref _loopState) != LoopClosed && !_stopped.Task.IsCompleted)
        {
            Thread.Sleep(interval);
            var quiet = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastRoundAt));
            if (quiet < 2 * interval || quiet > limit)
            {
                continue;
            }
            foreach (var connection in _aliveTargets)
            {
                connection.SendNow(FrameType.Alive, []);
            }
        }
    }

    private void Deliver(Delivery delivery)
    {
        var message = new DeliveredMessage(delivery.Sender, delivery.SenderIndex, delivery.ViewId, delivery.OrderIndex, delivery.Payload) { Shard = delivery.Shard };
        _handlers.Delivered?.Invoke(message);
        var lent = _largeMessageBuffers.IsLent(delivery.Payload);
        // A lent buffer is used again after this: subscribers read later, so they get their own copy.
        var kept = lent && _subscribers.Length > 0 ? message with { Payload = delivery.Payload.ToArray() } : message;
        foreach (var subscriber in _subscribers)
        {
            subscriber.TryWrite(kept);
        }
        if (lent)
        {
            _largeMessageBuffers.Return(delivery.Payload);
        }
        _metrics.Delivered.Add(1, _metrics.Node);
        _metrics.DeliveredBytes.Add(delivery.Payload.Length, _metrics.Node);
    }

    /// <summary>The transport's side of an installed view, before anything is sent in it.</summary>
    private void PrepareConnections(View view)
    {
        _aliveTargetsChanged = true;
        foreach (var member in view.Members)
        {
            if (view.Joined.Contains(member.NodeId))
            {
                // A refused connect to a joiner's endpoint was to an earlier process there (a restarted member's old
                // incarnation): counting it against the joiner would suspect it the moment it is admitted.
                _failedConnects.Remove(member.Endpoint);
            }
        }
        foreach (var (connection, node) in _connections.ToList())
        {
            var rank = view.RankOf(node);
            if (view.Departed.Contains(node) && (rank < 0 || view.Members[rank].Incarnation != connection.Remote.Incarnation))
            {
                _connections.Remove(connection);
                Forget(connection);
                connection.Close($"node {node} left the view");
            }
        }
    }

    /// <summary>The application's side of an installed view, in order with the deliveries around it.</summary>
    private void Install(View view)
    {
        _view = view;
        // Assemblies of the view that ended are dropped: their buffers go to the garbage collector.
        _largeMessageBuffers.Forget();
        _logger.ViewInstalled(NodeId, view.ToString());
        WriteViewFile(view);
        _metrics.ViewChanges.Add(1, _metrics.Node);
        _handlers.ViewInstalled?.Invoke(view);
        _joined.TrySetResult();
    }

    private void Fail(GroupStoppedException error)
    {
        foreach (var send in _pendingSends.Values)
        {
            send.Completion.TrySetException(error);
        }
        _pendingSends.Clear();
        _joined.TrySetException(error);
        _stopped.TrySetException(error);
        foreach (var subscriber in _subscribers)
        {
            subscriber.TryComplete();
        }
    }

    private void Rearm()
    {
        var deadline = _member.NextDeadline;
        if (deadline == _armedDeadline)
        {
            return;
        }
        _armedDeadline = deadline;
        if (deadline == DateTimeOffset.MaxValue)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var due = deadline - _time.GetUtcNow();
        _timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    private abstract record Input;

    /// <summary>A frame's payload: <see cref="Body"/>, followed by <see cref="Tail"/> when the transport placed its later bytes elsewhere.</summary>
    private sealed record FrameInput(PeerConnection Connection, ReadOnlyMemory<byte> Body) : Input
    {
        public ReadOnlyMemory<byte> Tail { get; init; }
    }

    /// <summary>The first input: carries out the outputs the member made when it was created (a join request).</summary>
    private sealed record StartInput : Input
    {
        public static readonly StartInput Instance = new();
    }

    private sealed record ConnectedInput(PeerConnection Connection, string? Endpoint) : Input;

    private sealed record ClosedInput(PeerConnection Connection, string Reason) : Input;

    private sealed record ConnectFailedInput(string Endpoint, string Reason) : Input;

    private sealed record TickInput : Input
    {
        public static readonly TickInput Instance = new();
    }

    private sealed record LeaveInput : Input
    {
        public static readonly LeaveInput Instance = new();
    }

    private sealed record PersistedInput(int Shard, int ViewId, long Count) : Input;

    private sealed record AliveInput(PeerConnection Connection) : Input;

    private sealed record ProbedInput(ViewMember Holder, bool Alive) : Input;

    private sealed record SendInput(int Shard, ReadOnlyMemory<byte> Payload, bool Inline) : Input
    {
        public TaskCompletionSource<int> Completion { get; } = new(Inline ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
