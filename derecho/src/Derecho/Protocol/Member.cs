using Derecho.Membership;
using Derecho.Multicast;
using Derecho.Sst;

namespace Derecho.Protocol;

/// <summary>
/// One group member's protocol, sans I/O: virtual-synchrony membership and atomic multicast as a plain state
/// machine. The host feeds it inputs — <see cref="Receive(uint, ReadOnlyMemory{byte})"/> (a message body from a peer),
/// <see cref="ConnectionLost"/>, <see cref="Tick()"/> (reads the <see cref="TimeProvider"/>), <see cref="Send(int, ReadOnlyMemory{byte})"/>
/// and <see cref="Leave"/> — and after each input collects the outputs with <see cref="DrainOutputs"/>: bodies to
/// send to peers, deliveries, installed views, send completions and a stop signal. It calls <see cref="Tick()"/> no
/// later than <see cref="NextDeadline"/>. Not thread-safe: one caller at a time. No sockets, threads, locks or
/// clocks inside, so the same code runs over TCP and in deterministic simulation.
/// </summary>
/// <remarks>
/// Start the first member with <see cref="StartGroup"/>; every other member with <see cref="Join"/> and the
/// endpoint of any member (the contact), which redirects it to the leader.
/// <para>
/// Besides the whole view's total order (<see cref="WholeGroup"/>), each shard of the view's shard plan
/// (<see cref="MemberOptions.ShardPlanner"/>) has a totally ordered multicast of its own among its members — its
/// own order, windows, rings and counters in the one Shared State Table — and its own ragged trim at a view
/// change, computed over the shard's survivors. <see cref="ReportPersisted"/> and
/// <see cref="PersistenceAdvanced"/> give each shard a global persistence frontier.
/// </para>
/// </remarks>
public sealed partial class Member : IDeliverySink
{
    private readonly MemberOptions _options;
    private readonly TimeProvider _time;
    private readonly List<MemberOutput> _outputs = [];
    private readonly List<Transmission> _transmissions = [];
    private readonly List<int> _relayTo = [];
    private readonly WireWriter _writer = new();
    private readonly SstRow _own;
    private readonly List<(int Stream, PendingMessage Message)> _beforeFirstView = [];
    private long _nextMessageId;
    private bool _sendsQueued;

    private Member(MemberOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _options = options;
        _time = time;
        _own = new SstRow(options.NodeId, options.Incarnation, 0, 1);
        _contact = options.Endpoint;
        _joinTarget = options.Endpoint;
    }

    /// <summary>The shard number that names the whole view's total order rather than a shard's.</summary>
    public const int WholeGroup = -1;

    /// <summary>This member's node id.</summary>
    public uint NodeId => _options.NodeId;

    /// <summary>The number of shards in the current view's plan (0 while joining or without a planner).</summary>
    public int ShardCount => Status == MemberStatus.Active ? _streams.Length - 1 : 0;

    /// <summary>Joining, active or stopped.</summary>
    public MemberStatus Status { get; private set; }

    /// <summary>Why the member stopped, once <see cref="Status"/> is <see cref="MemberStatus.Stopped"/>.</summary>
    public StopReason? StopReason { get; private set; }

    /// <summary>The installed view, or null while joining.</summary>
    public View? View => _view;

    /// <summary>True when this member is the lowest-ranked member it does not suspect.</summary>
    public bool IsLeader => Status == MemberStatus.Active && LeaderRank() == _myRank;

    /// <summary>True while the current view is wedged (a view change is under way).</summary>
    public bool IsWedged => Status == MemberStatus.Active && _own.Wedged;

    /// <summary>When <see cref="Tick()"/> must be called next (heartbeat, suspicion, join retry).</summary>
    public DateTimeOffset NextDeadline => Status switch
    {
        MemberStatus.Joining => _nextJoinAttempt < _startAloneAt ? _nextJoinAttempt : _startAloneAt,
        MemberStatus.Active => Seeking && _nextJoinAttempt < ActiveDeadline() ? _nextJoinAttempt : ActiveDeadline(),
        _ => DateTimeOffset.MaxValue,
    };

    /// <summary>The members of the current view this member suspects, for the simulation's traces.</summary>
    internal string SuspectsForTrace => Status == MemberStatus.Active
        ? string.Join(',', _view!.Members.Where((_, rank) => _own.Suspected[rank]).Select(m => m.NodeId)) + (_own.Wedged ? " wedged" : "")
            + (_own.AcceptedBallot >= 0 ? $" accepted {_own.AcceptedBallot}" : "")
        : "";

    /// <summary>Counters the simulation's coverage checks read.</summary>
    internal ProtocolStats Stats { get; } = new();

    /// <summary>Starts a new group whose only member is this one (view 0).</summary>
    public static Member StartGroup(MemberOptions options, TimeProvider time)
    {
        var member = new Member(options, time);
        var self = new ViewMember(options.NodeId, options.Incarnation, options.Endpoint);
        member.InstallView(new View(options.FirstViewId, [self], [options.NodeId], []), []);
        return member;
    }

    /// <summary>
    /// Creates a member that asks the member at <paramref name="contactEndpoint"/> to admit it; the first join
    /// request is in the outputs at once, and it repeats every <see cref="MemberOptions.JoinRetryInterval"/>.
    /// </summary>
    public static Member Join(MemberOptions options, string contactEndpoint, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(contactEndpoint);
        var member = new Member(options, time)
        {
            _contact = contactEndpoint,
            _joinTarget = contactEndpoint,
        };
        member.SendJoinRequest();
        return member;
    }

    /// <summary>A message body from peer <paramref name="from"/> (its node id, as the transport's handshake established).</summary>
    /// <exception cref="ProtocolFormatException">The body is malformed; nothing changed, drop the connection.</exception>
    public void Receive(uint from, ReadOnlySpan<byte> body) => Receive(from, new ReadOnlyMemory<byte>(body.ToArray()));

    /// <summary>
    /// A message body from peer <paramref name="from"/>, without a copy: payloads delivered later may be slices of
    /// <paramref name="body"/>, so it must not change afterwards (give each received frame an array of its own).
    /// </summary>
    /// <exception cref="ProtocolFormatException">The body is malformed; nothing changed, drop the connection.</exception>
    public void Receive(uint from, ReadOnlyMemory<byte> body) => Receive(from, body, default);

    /// <summary>
    /// A message body from peer <paramref name="from"/> that came in two parts, <paramref name="body"/> followed by
    /// <paramref name="tail"/>: a block of a large message whose bytes the transport read straight into the buffer
    /// its message is assembled in (<see cref="MemberOptions.LargeMessageBuffers"/>). Neither part may change afterwards.
    /// </summary>
    /// <exception cref="ProtocolFormatException">The body is malformed, or not a block; nothing changed, drop the connection.</exception>
    public void Receive(uint from, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> tail)
    {
        if (Status == MemberStatus.Stopped)
        {
            return;
        }
        var message = MessageCodec.DecodeShared(body, tail);
        // Rejoining: a word from a peer means a group is there, so this member waits on while words come; but a join
        // request only means another member is looking for a group too (a total restart: each restarted member asks
        // the others, and none may wait for the rest).
        HeardWhileJoining(message);
        Handle(from, message);
        AfterInput();
    }

    /// <summary>The connection to <paramref name="peer"/> broke: a member of the view is suspected at once.</summary>
    public void ConnectionLost(uint peer)
    {
        if (Status == MemberStatus.Stopped)
        {
            return;
        }
        _lostAt[peer] = _time.GetUtcNow();
        if (Status == MemberStatus.Active && RankInView(peer) is var rank and >= 0 && rank != _myRank)
        {
            Suspect(rank);
        }
        AfterInput();
    }

    /// <summary>
    /// A connect to <paramref name="endpoint"/> to reach <paramref name="peer"/> failed: as <see cref="ConnectionLost"/>,
    /// unless the view now has that node at another endpoint. Such a connect was meant for an earlier incarnation
    /// that restarted elsewhere (a connect to a frozen or killed process can take a while to fail, and the new
    /// incarnation may be admitted meanwhile): counted against the node id, it got the new incarnation suspected
    /// right after its admission.
    /// </summary>
    public void ConnectFailed(uint peer, string endpoint)
    {
        if (Status == MemberStatus.Active && RankInView(peer) is var rank and >= 0 && _view!.Members[rank].Endpoint != endpoint)
        {
            return;
        }
        ConnectionLost(peer);
    }

    /// <summary>
    /// Peer <paramref name="from"/>'s process runs though its protocol is busy (the host's keep-alive, sent apart
    /// from its event loop): a member of the view already heard from counts as heard from again, for suspicion by
    /// timeout. Nothing else changes.
    /// </summary>
    public void Alive(uint from)
    {
        if (Status == MemberStatus.Active && RankInView(from) >= 0 && _lastHeard.ContainsKey(from))
        {
            _lastHeard[from] = _time.GetUtcNow();
        }
    }

    /// <summary>Time passed: heartbeats, suspicion by timeout, join retries. Call it at <see cref="NextDeadline"/>.</summary>
    public void Tick() => Tick(_time.GetUtcNow());

    /// <summary>
    /// Time passed, as <see cref="Tick()"/>, but the host has read what peers sent only up to
    /// <paramref name="readUntil"/>: its reader has been busy since then (or starved of the CPU), and frames may be
    /// waiting unread. The silence after that time is not counted against anyone, for at most
    /// <see cref="MaxUnreadDiscount"/> suspicion timeouts; heartbeats go out as usual.
    /// </summary>
    public void Tick(DateTimeOffset readUntil)
    {
        var now = _time.GetUtcNow();
        switch (Status)
        {
            case MemberStatus.Joining:
                TickJoining(now);
                break;
            case MemberStatus.Active:
                DiscountOwnStall(now);
                if (now >= _nextHeartbeat)
                {
                    _own.Heartbeat++;
                    _table.MarkDirty();
                    _nextHeartbeat = now + _options.HeartbeatInterval;
                }
                var maxLag = MaxUnreadDiscount * _options.SuspicionTimeout;
                _readLag = readUntil >= now ? TimeSpan.Zero : now - readUntil < maxLag ? now - readUntil : maxLag;
                SuspectSilentMembers(now - _readLag);
                ForgetSilentJoiners(now);
                AdoptAccusations(now);
                TickSeeking(now);
                break;
        }
        AfterInput();
    }

    /// <summary>
    /// Multicasts <paramref name="payload"/> (copied) to the group; returns the id that a later
    /// <see cref="SendCompleted"/> or <see cref="SendFailed"/> names. Messages not delivered in the view they were
    /// sent in are sent again in the next view, so only a failure of this member loses them.
    /// </summary>
    /// <exception cref="InvalidOperationException">The member stopped or is leaving.</exception>
    /// <exception cref="ArgumentException">The payload exceeds <see cref="MemberOptions.MaxPayloadSize"/>.</exception>
    public long Send(ReadOnlyMemory<byte> payload) => Send(WholeGroup, payload);

    /// <summary>
    /// Multicasts <paramref name="payload"/> (copied) in the total order of shard <paramref name="shard"/> of the
    /// current view's plan (or the whole view's, for <see cref="WholeGroup"/>); only the shard's members deliver
    /// it. Undelivered at a view change, it is sent again in the next view if this member is still in that
    /// shard; otherwise it fails (<see cref="SendFailed"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The member stopped, is leaving, or is not a member of the shard.</exception>
    /// <exception cref="ArgumentException">The payload exceeds <see cref="MemberOptions.MaxPayloadSize"/>.</exception>
    public long Send(int shard, ReadOnlyMemory<byte> payload) => Send(shard, payload.ToArray().AsMemory(), copy: false);

    /// <summary>
    /// <see cref="Send(int, ReadOnlyMemory{byte})"/> without the copy: <paramref name="payload"/> is sent and
    /// delivered here from where it lies, so its bytes must not change until the send completes or fails.
    /// </summary>
    /// <exception cref="InvalidOperationException">The member stopped, is leaving, or is not a member of the shard.</exception>
    /// <exception cref="ArgumentException">The payload exceeds <see cref="MemberOptions.MaxPayloadSize"/>.</exception>
    public long SendWithoutCopy(int shard, ReadOnlyMemory<byte> payload) => Send(shard, payload, copy: false);

    private long Send(int shard, ReadOnlyMemory<byte> payload, bool copy)
    {
        if (Status == MemberStatus.Stopped || _leaving)
        {
            throw new InvalidOperationException($"member {NodeId} is {(_leaving ? "leaving" : "stopped")}");
        }
        if (payload.Length > _options.MaxPayloadSize)
        {
            throw new ArgumentException(
                $"payload of {payload.Length} bytes exceeds MaxPayloadSize {_options.MaxPayloadSize}", nameof(payload));
        }
        var stream = shard + 1;
        var multicast = Status == MemberStatus.Active && stream >= 0 && stream < _streams.Length ? _streams[stream] : null;
        if (multicast is null && !(Status == MemberStatus.Joining && shard == WholeGroup))
        {
            throw new InvalidOperationException($"member {NodeId} is not a member of shard {shard} in view {_view?.Id}");
        }
        var message = new PendingMessage(_nextMessageId++, copy ? payload.ToArray() : payload);
        if (multicast is null)
        {
            _beforeFirstView.Add((0, message));
        }
        else
        {
            // Sent at the next input or drain, so that sends between two drains go out as one batch.
            multicast.Enqueue(message);
            _sendsQueued = true;
        }
        return message.MessageId;
    }

    /// <summary>Whether this member belongs to shard <paramref name="shard"/> of the current view's plan (<see cref="WholeGroup"/>: in a view).</summary>
    public bool IsShardMember(int shard) =>
        Status == MemberStatus.Active && shard + 1 >= 0 && shard + 1 < _streams.Length && _streams[shard + 1] is not null;

    /// <summary>
    /// Leaves gracefully: the member stops sending, and the group installs a view without it; then it stops with
    /// <see cref="StopReason.Left"/>. Its messages not delivered by then fail.
    /// </summary>
    public void Leave()
    {
        if (Status == MemberStatus.Stopped || _leaving)
        {
            return;
        }
        _leaving = true;
        if (Status == MemberStatus.Joining || _view!.Count == 1)
        {
            Stop(Protocol.StopReason.Left);
            return;
        }
        _own.Leaving = true;
        Suspect(_myRank);
        AfterInput();
    }

    /// <summary>
    /// Moves the outputs produced so far, in order, to <paramref name="into"/>: first the messages sent since the
    /// last drain, batched, then the own row if it changed.
    /// </summary>
    public void DrainOutputs(List<MemberOutput> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (_sendsQueued)
        {
            AfterInput();
        }
        FlushRow();
        into.AddRange(_outputs);
        _outputs.Clear();
    }

    void IDeliverySink.Deliver(int stream, int senderRank, long senderIndex, long orderIndex, ReadOnlyMemory<byte> payload) =>
        _outputs.Add(new Delivery(_view!.Members[senderRank].NodeId, _view.Id, senderIndex, orderIndex, payload) { Shard = stream - 1 });

    void IDeliverySink.Completed(int stream, long messageId) => _outputs.Add(new SendCompleted(messageId, _view!.Id));

    private void Handle(uint from, ProtocolMessage message)
    {
        switch (message)
        {
            case RowMessage m:
                HandleRow(from, m.Row);
                break;
            case DataBatch m:
                HandleData(from, m.ViewId, m.Stream, m.SenderRank, m);
                break;
            case DataChunk m:
                HandleData(from, m.ViewId, m.Stream, m.SenderRank, m);
                break;
            case JoinRequest m:
                HandleJoinRequest(m.Joiner, m.Info.Span);
                break;
            case JoinRedirect m:
                HandleRedirect(m);
                break;
            case JoinRefused m:
                HandleRefused(m);
                break;
            case CommitMessage m:
                HandleCommit(from, m);
                break;
            case WelcomeMessage m:
                HandleWelcome(m);
                break;
        }
    }

    /// <summary>After every input: run the table's predicates, then send what the multicast window allows.</summary>
    private void AfterInput()
    {
        _sendsQueued = false;
        if (Status != MemberStatus.Active)
        {
            return;
        }
        _table.Predicates.Evaluate(() => Status != MemberStatus.Active);
        if (Status != MemberStatus.Active)
        {
            return;
        }
        foreach (var multicast in _streams)
        {
            multicast?.CollectSends(_transmissions);
            foreach (var transmission in _transmissions)
            {
                if (transmission.Message is DataChunk chunk)
                {
                    // The block goes out from where it lies, behind its header.
                    SendToRank(transmission.ToRank, MessageCodec.EncodeChunkHeader(chunk, _writer), bulk: true, tail: chunk.Bytes);
                }
                else if (transmission.ToRank == Transmission.Everyone && transmission.Message is DataBatch batch)
                {
                    // The batch's last (large) message goes out from where it lies, behind the rest.
                    var head = MessageCodec.EncodeBatchHead(batch, _writer, out var tail);
                    SendToOthers(head, multicast!.Ranks, tail);
                }
                else if (transmission.ToRank == Transmission.Everyone)
                {
                    SendToOthers(MessageCodec.Encode(transmission.Message, _writer), multicast!.Ranks);
                }
                else
                {
                    SendToRank(transmission.ToRank, MessageCodec.Encode(transmission.Message, _writer));
                }
            }
            _transmissions.Clear();
        }
    }

    private void FlushRow()
    {
        if (Status == MemberStatus.Active && _table.TryTakePush())
        {
            SendToOthers(MessageCodec.Encode(new RowMessage(_own), _writer));
        }
    }

    private void SendToOthers(byte[] body)
    {
        var members = _view!.Members;
        for (var rank = 0; rank < members.Count; rank++)
        {
            if (rank != _myRank)
            {
                _outputs.Add(new SendToPeer(members[rank].NodeId, members[rank].Endpoint, body));
            }
        }
    }

    private void SendToOthers(byte[] body, int[] ranks, ReadOnlyMemory<byte> tail = default)
    {
        foreach (var rank in ranks)
        {
            if (rank != _myRank)
            {
                SendToRank(rank, body, tail: tail);
            }
        }
    }

    private void SendToRank(int rank, ReadOnlyMemory<byte> body, bool bulk = false, ReadOnlyMemory<byte> tail = default)
    {
        var member = _view!.Members[rank];
        _outputs.Add(new SendToPeer(member.NodeId, member.Endpoint, body) { Bulk = bulk, Tail = tail });
    }

    /// <summary>A block of a large message from view rank <paramref name="fromRank"/>: stored, and relayed as received to this member's children in its schedule.</summary>
    private void HandleChunk(AtomicMulticast multicast, int fromRank, DataChunk chunk)
    {
        multicast.OnChunk(fromRank, chunk, _relayTo);
        foreach (var rank in _relayTo)
        {
            if (chunk.Received.IsEmpty)
            {
                SendToRank(rank, MessageCodec.EncodeChunkHeader(chunk, _writer), bulk: true, tail: chunk.Bytes);
            }
            else
            {
                // As received: from the assembly when the transport placed the bytes there, with the header they came with.
                SendToRank(rank, chunk.Received, bulk: true, tail: chunk.ReceivedTail);
            }
        }
        _relayTo.Clear();
    }

    private void SendTo(ViewMember member, ProtocolMessage message) =>
        _outputs.Add(new SendToPeer(member.NodeId, member.Endpoint, MessageCodec.Encode(message, _writer)));

    private void Stop(StopReason reason, string? detail = null)
    {
        if (Status == MemberStatus.Stopped)
        {
            return;
        }
        var pending = new List<(int Stream, PendingMessage Message)>(_beforeFirstView);
        _beforeFirstView.Clear();
        if (Status == MemberStatus.Active)
        {
            TakeUndelivered(pending);
        }
        Status = MemberStatus.Stopped;
        StopReason = reason;
        foreach (var (_, message) in pending)
        {
            _outputs.Add(new SendFailed(message.MessageId));
        }
        _outputs.Add(new MemberStopped(reason) { Detail = detail });
    }
}

/// <summary>What happened inside a member, for the simulation's coverage checks and for metrics.</summary>
internal sealed class ProtocolStats
{
    public int ViewsInstalled { get; set; }

    public int ProposalsAdopted { get; set; }

    public int ProposalsMade { get; set; }

    public long DiscardedByTrim { get; set; }

    public int TrimsDiscarding { get; set; }

    public int CatchUpsSent { get; set; }

    public int BatchedAdmissions { get; set; }
}
