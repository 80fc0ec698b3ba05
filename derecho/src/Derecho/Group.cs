using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Derecho.Configuration;
using Derecho.Membership;
using Derecho.Multicast;
using Derecho.Protocol;
using Derecho.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Derecho;

/// <summary>
/// A member of a Derecho group running over TCP: virtual-synchrony membership and totally ordered atomic multicast.
/// One event loop per member feeds the sans-IO <see cref="Member"/> from a queue of inputs (frames from peers,
/// broken connections, timer ticks, sends, a leave) and carries out its outputs. The loop has no thread of its own:
/// whichever thread posts an input runs it when no other thread does (a frame is handled on the thread that read
/// it), so one thread at a time touches the protocol core, and no thread waits for another to do so.
/// </summary>
public sealed partial class Group : IAsyncDisposable
{
    private readonly GroupOptions _options;
    private readonly GroupHandlers _handlers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<Input> _inputs = new();
    private readonly ConcurrentQueue<FrameInput> _bulkFrames = new();
    private int _loopState;
    private int _loopRequested;
    private readonly TcpTransport _transport;
    private readonly GroupMetrics _metrics;
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<StopReason> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ITimer _timer;
    private readonly LargeMessageBuffers _largeMessageBuffers;
    private Member _member = null!;
    private ChannelWriter<DeliveredMessage>[] _subscribers = [];
    private volatile View? _view;
    private int _pendingSendCount;

    private Group(GroupOptions options, GroupHandlers handlers)
    {
        _options = options;
        _handlers = handlers;
        _logger = handlers.LoggerFactory?.CreateLogger<Group>() ?? NullLogger<Group>.Instance;
        _time = handlers.Time ?? TimeProvider.System;
        Incarnation = NewIncarnation(_time);
        _transport = new TcpTransport(new Hello(options.LocalId, Incarnation), new TransportEvents(this), options.MaxFrameSize);
        _metrics = new GroupMetrics(options.LocalId, () => Volatile.Read(ref _pendingSendCount));
        _largeMessageBuffers = new LargeMessageBuffers(options.MaxPayloadSize, options.BlockSize, options.ReuseLargeMessageBuffers);
        _timer = _time.CreateTimer(_ => PostAndRun(TickInput.Instance), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>This member's node id.</summary>
    public uint NodeId => _options.LocalId;

    /// <summary>This process's incarnation: higher at every start, so a restarted member is a new one.</summary>
    public ulong Incarnation { get; }

    /// <summary>
    /// An incarnation that grows from one start of a member to the next, as the protocol expects (the leader lets
    /// a join from a higher incarnation of a node id in the view replace it at once, and ignores a lower one as
    /// stale): microseconds since the Unix epoch, with 12 random low bits so that two starts in one microsecond
    /// still differ. A random incarnation made half of all quick restarts wait for the old one to be suspected.
    /// </summary>
    private static ulong NewIncarnation(TimeProvider time)
    {
        var microseconds = (ulong)((time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10);
        return (microseconds << 12) | (uint)RandomNumberGenerator.GetInt32(1 << 12);
    }

    /// <summary>The endpoint peers reach this member's protocol traffic at (with the real port if 0 was asked).</summary>
    public IPEndPoint SstEndPoint { get; private set; } = null!;

    /// <summary>The endpoint joiners reach this member at (with the real port if 0 was asked).</summary>
    public IPEndPoint GmsEndPoint { get; private set; } = null!;

    /// <summary>The view installed last.</summary>
    public View CurrentView => _view ?? throw new InvalidOperationException("not joined yet");

    /// <summary>Completes when this member stops: it left, was removed, or lost a majority.</summary>
#pragma warning disable VSTHRD003 // The task completes on the event loop; awaiting it cannot deadlock.
    public Task<StopReason> Stopped => _stopped.Task;
#pragma warning restore VSTHRD003

    /// <summary>
    /// Starts the group (when this member's gms endpoint is the contact) or joins it through the contact, and
    /// returns once the first view is installed.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names the configuration key.</exception>
    /// <exception cref="ConfigurationException">A port cannot be bound (another process holds it, say); the message names its key and address.</exception>
    public static Task<Group> JoinAsync(GroupOptions options, CancellationToken cancellationToken) =>
        JoinAsync(options, new GroupHandlers(), cancellationToken);

    /// <inheritdoc cref="JoinAsync(GroupOptions, CancellationToken)"/>
    /// <param name="options">Where this member listens, whom it contacts, and the protocol's settings.</param>
    /// <param name="handlers">Callbacks for deliveries and views, logging, clock.</param>
    /// <param name="cancellationToken">Abandons the join.</param>
    public static async Task<Group> JoinAsync(GroupOptions options, GroupHandlers handlers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handlers);
        options.Validate();
        var group = new Group(options, handlers);
        try
        {
            group.Start();
            await group._joined.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return group;
        }
        catch
        {
            await group.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Multicasts <paramref name="payload"/> to the group and completes when it is delivered (in whichever view).
    /// The bytes must not change until then: no copy is made (they are sent from where they lie, and this member's
    /// own delivery of the message is a view of them).
    /// </summary>
    /// <returns>The view it was delivered in.</returns>
    /// <exception cref="ArgumentException">The payload exceeds <see cref="GroupOptions.MaxPayloadSize"/>.</exception>
    /// <exception cref="GroupStoppedException">This member left or stopped before the message was delivered.</exception>
    /// <exception cref="OperationCanceledException">Waiting was canceled (the message may still be delivered).</exception>
    public Task<int> SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        SendAsync(Member.WholeGroup, payload, cancellationToken);

    /// <summary>
    /// Multicasts <paramref name="payload"/> in the total order of shard <paramref name="shard"/> of the current
    /// view's plan (<see cref="GroupHandlers.ShardPlanner"/>; <see cref="Member.WholeGroup"/> for the whole group)
    /// and completes when it is delivered; the bytes must not change until then (no copy is made). Only the shard's
    /// members deliver it; see <see cref="Member.SendWithoutCopy(int, ReadOnlyMemory{byte})"/>.
    /// </summary>
    /// <returns>The view it was delivered in.</returns>
    /// <exception cref="ArgumentException">The payload exceeds <see cref="GroupOptions.MaxPayloadSize"/>.</exception>
    /// <exception cref="InvalidOperationException">(From the task) this member is not in the shard.</exception>
    /// <exception cref="GroupStoppedException">This member left or stopped before the message was delivered, or left the shard.</exception>
    /// <exception cref="OperationCanceledException">Waiting was canceled (the message may still be delivered).</exception>
    public Task<int> SendAsync(int shard, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        SendAsync(shard, payload, _options.InlineSendCompletions, cancellationToken);

    /// <summary>
    /// <see cref="SendAsync(int, ReadOnlyMemory{byte}, CancellationToken)"/>; with <paramref name="inlineCompletion"/>
    /// the task completes on the event loop's thread, for continuations that are short and wait on nothing (the RPC
    /// layer's batcher sends what waits, saving a thread hop per multicast).
    /// </summary>
    internal Task<int> SendAsync(int shard, ReadOnlyMemory<byte> payload, bool inlineCompletion, CancellationToken cancellationToken)
    {
        if (payload.Length > _options.MaxPayloadSize)
        {
            throw new ArgumentException($"payload of {payload.Length} bytes exceeds max_payload_size {_options.MaxPayloadSize}", nameof(payload));
        }
        var request = new SendInput(shard, payload, inlineCompletion);
        var posted = _options.SendOnCallingThread && Volatile.Read(ref _pendingSendCount) == 0 ? PostAndRun(request) : PostAndRequest(request);
        if (!posted)
        {
            throw new GroupStoppedException("this member has been disposed");
        }
        return cancellationToken.CanBeCanceled ? request.Completion.Task.WaitAsync(cancellationToken) : request.Completion.Task;
    }

    /// <summary>
    /// Deliveries from now on, as they happen. Each call is an independent subscription; deliveries before it are
    /// not included (use <see cref="GroupHandlers.Delivered"/> to see every one). The sequence ends when the member stops.
    /// </summary>
    public async IAsyncEnumerable<DeliveredMessage> ReadDeliveriesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<DeliveredMessage>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
        ImmutableInterlockedAdd(channel.Writer);
        if (_stopped.Task.IsCompleted)
        {
            channel.Writer.TryComplete();
        }
        try
        {
            await foreach (var message in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return message;
            }
        }
        finally
        {
            ImmutableInterlockedRemove(channel.Writer);
        }
    }

    /// <summary>Leaves the group gracefully and returns once a view without this member is installed (or it stopped).</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken = default)
    {
        PostAndRequest(LeaveInput.Instance);
        await Stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Leaves the group gracefully, waiting at most <paramref name="timeout"/> for a view without this member (the
    /// group may be unable to install one, say without a majority). Either way the member has stopped when this
    /// returns: after the timeout it stops at once, which the others see as a crash.
    /// </summary>
    /// <returns>True when the group installed a view without this member in time; false when the wait ran out or the member stopped otherwise (say, it lost its majority).</returns>
    public async Task<bool> LeaveAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        PostAndRequest(LeaveInput.Instance);
        try
        {
            return await Stopped.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false) == StopReason.Left;
        }
        catch (TimeoutException)
        {
            await DisposeAsync().ConfigureAwait(false);
            return false;
        }
        catch (GroupStoppedException e)
        {
            return e.Reason == StopReason.Left;
        }
    }

    /// <summary>Stops the member at once, without leaving: to the others it looks like a crash.</summary>
    public async ValueTask DisposeAsync()
    {
        // The loop closes first: connects canceled by the shutdown must not reach the protocol as failures, or a
        // dying leader suspects healthy peers and commits a view without them on its way out.
        await CloseLoopAsync().ConfigureAwait(false);
        await _shutdown.CancelAsync().ConfigureAwait(false);
        await _timer.DisposeAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        foreach (var connection in _connections.Keys.ToList())
        {
            connection.Close("member stopped");
        }
        _metrics.Dispose();
        _shutdown.Dispose();
        _joined.TrySetException(new GroupStoppedException("the member was disposed before it joined"));
        _stopped.TrySetResult(StopReason.Left);
        foreach (var subscriber in _subscribers)
        {
            subscriber.TryComplete();
        }
    }

    /// <summary>Listens on <paramref name="endPoint"/>; a port that cannot be bound is reported under its configuration key.</summary>
    private IPEndPoint Listen(IPEndPoint endPoint, string key)
    {
        try
        {
            return _transport.Listen(endPoint);
        }
        catch (SocketException e)
        {
            throw new ConfigurationException($"{key}: cannot listen on {endPoint}: {e.Message}", e);
        }
    }

    private void Start()
    {
        SstEndPoint = Listen(_options.SstEndPoint, "DERECHO/sst_port");
        GmsEndPoint = Listen(_options.GmsEndPoint, "DERECHO/gms_port");
        _logger.Listening(NodeId, SstEndPoint.ToString(), GmsEndPoint.ToString());
        new Thread(KeepAlive) { IsBackground = true, Name = $"derecho keep-alive node {NodeId}" }.Start();
        var memberOptions = new MemberOptions
        {
            NodeId = _options.LocalId,
            Incarnation = Incarnation,
            Endpoint = SstEndPoint.ToString(),
            HeartbeatInterval = _options.HeartbeatInterval,
            SuspicionTimeout = _options.SuspicionTimeout,
            WindowSize = _options.WindowSize,
            MaxSmcPayloadSize = _options.MaxSmcPayloadSize,
            MaxPayloadSize = _options.MaxPayloadSize,
            BlockSize = _options.BlockSize,
            BulkSchedule = _options.BulkSchedule,
            LargeMessageBuffers = _largeMessageBuffers,
            PartitionSafety = _options.PartitionSafety,
            FirstViewId = _options.FirstViewId,
            StateTransfer = _handlers.StateTransfer,
            ShardPlanner = _handlers.ShardPlanner,
            JoinAdmission = _handlers.JoinAdmission,
        };
        // The contact is this member itself when its own gms endpoint (with the port it really bound) is the contact.
        var isContact = _options.ContactIp.Equals(_options.LocalIp) &&
                        (_options.ContactPort == GmsEndPoint.Port || _options.ContactPort == SstEndPoint.Port);
        var known = isContact || _options.RestartLeaders.Count > 0 ? ReadViewFile() : [];
        _member = _options.RestartLeaders.Count > 0 && _options.ViewFile is { } viewFile && File.Exists(viewFile)
            ? Restart.RestartLeaders.CreateMember(_options, memberOptions, GmsEndPoint, known, _time)
            : !isContact ? Member.Join(memberOptions, _options.ContactEndPoint.ToString(), _time)
            : known.Length > 0 ? Member.Rejoin(memberOptions, known, _options.RejoinWait, _time)
            : Member.StartGroup(memberOptions, _time);
        PostAndRequest(StartInput.Instance);
    }

    /// <summary>The endpoints of the other members of the last view recorded in <see cref="GroupOptions.ViewFile"/>.</summary>
    private string[] ReadViewFile()
    {
        if (_options.ViewFile is not { } path || !File.Exists(path))
        {
            return [];
        }
        var own = SstEndPoint.ToString();
        return [.. File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && l != own && IPEndPoint.TryParse(l, out _))];
    }

    /// <summary>Records the endpoints of <paramref name="view"/> (write and rename, so a crash leaves the old or the new list).</summary>
    private void WriteViewFile(View view)
    {
        // A view of this member alone names nobody to rejoin through: the last list with others stays.
        if (_options.ViewFile is not { } path || view.Count == 1)
        {
            return;
        }
        try
        {
            var temporary = path + ".tmp";
            File.WriteAllLines(temporary, view.Members.Select(m => m.Endpoint));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.ViewFileFailed(path, e.Message);
        }
    }

    private void ImmutableInterlockedAdd(ChannelWriter<DeliveredMessage> writer)
    {
        ChannelWriter<DeliveredMessage>[] before, after;
        do
        {
            before = Volatile.Read(ref _subscribers);
            after = [.. before, writer];
        }
        while (Interlocked.CompareExchange(ref _subscribers, after, before) != before);
    }

    private void ImmutableInterlockedRemove(ChannelWriter<DeliveredMessage> writer)
    {
        ChannelWriter<DeliveredMessage>[] before, after;
        do
        {
            before = Volatile.Read(ref _subscribers);
            after = [.. before.Where(w => w != writer)];
        }
        while (Interlocked.CompareExchange(ref _subscribers, after, before) != before);
    }

    /// <summary>Forwards the transport's events (on its threads) to the event loop.</summary>
    private sealed class TransportEvents(Group group) : ITransportHandler, IBulkPlacement
    {
        public void OnAccepted(PeerConnection connection)
        {
            if (!group.PostAndRun(new ConnectedInput(connection, null)))
            {
                connection.Close("member stopped");
            }
        }

        public void OnFrame(PeerConnection connection, FrameType type, ReadOnlyMemory<byte> payload)
        {
            if (type == FrameType.Protocol)
            {
                // Run at the end of the I/O thread's pass (OnReadsDone): the frames read together make one round,
                // one flush per peer, instead of a round and a row push per frame.
                group.Post(new FrameInput(connection, payload));
            }
            else if (type == FrameType.Bulk)
            {
                group._bulkFrames.Enqueue(new FrameInput(connection, payload));
                group.RunLoopHere();
            }
            else if (type == FrameType.Alive)
            {
                group.Post(new AliveInput(connection));
            }
            else if (type == FrameType.Direct && group._handlers.DirectReceived is { } direct)
            {
                direct(new DirectPeer(connection), payload);
            }
            else
            {
                connection.Close($"unexpected {type} frame");
            }
        }

        public void OnClosed(PeerConnection connection, string reason) => group.PostAndRun(new ClosedInput(connection, reason));

        public void OnReadsDone() => group.RunLoopHere();

        /// <summary>A block of a large message is read straight into the buffer its message is assembled in.</summary>
        public Memory<byte> Place(PeerConnection connection, ReadOnlySpan<byte> head, int payloadLength, out int split)
        {
            if (!MessageCodec.TryReadChunkHeader(head, payloadLength, out var chunk, out split))
            {
                return default;
            }
            var message = new LargeMessageKey(chunk.ViewId, chunk.Stream, chunk.SenderRank, chunk.Index);
            return group._largeMessageBuffers.Place(message, chunk.TotalLength, chunk.Offset, payloadLength - split);
        }

        public void OnPlacedFrame(PeerConnection connection, ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> placed)
        {
            group._bulkFrames.Enqueue(new FrameInput(connection, head) { Tail = placed });
            group.RunLoopHere();
        }
    }
}
