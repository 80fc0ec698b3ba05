using Derecho.Membership;
using Derecho.Multicast;
using Derecho.Sst;

namespace Derecho.Protocol;

/// <summary>
/// Membership: suspicion, wedging, the leader's proposal with the ragged trim, commit by a majority, installation.
/// </summary>
/// <remarks>
/// The view change is single-decree Paxos inside the table, with the proposer's rank as ballot. A member promises
/// a leader by suspecting every lower rank; it accepts a proposal (copying it into its own row) from a leader it
/// does not suspect whose ballot is at least the one it accepted. A leader proposes only when every member it does
/// not suspect is wedged (its received counters final) and has promised; it adopts the accepted proposal of the
/// highest ballot if any, else computes the next membership and the ragged trim (per sender, the minimum received
/// over those members). It commits once a majority of the view accepted. Nobody delivers by a trim before it is
/// committed, so a leader that takes over mid-change adopts the same trim. Suspicions spread with the rows only to
/// the leader, which adopts those of every member it does not suspect; the others follow the leader's decision by
/// accepting its proposal, not by copying its suspicions (a leader cut off in a minority, whose rows arrive late
/// when the partition heals, must not make the majority suspect one another). A suspicion of oneself makes a
/// member suspect the accuser instead (so a member cut off in a minority cannot turn the majority against
/// itself). A member that
/// sees fewer than a majority of its view unsuspected stops when partition safety is on.
/// </remarks>
public sealed partial class Member
{
    private const int CommitHistory = 16;
    private const int MaxBuffered = 100_000;

    /// <summary>
    /// The most silence, in suspicion timeouts, that a lagging reader discounts (<see cref="Tick(DateTimeOffset)"/>):
    /// a member whose reader is stuck for good still suspects the others, and with partition safety stops.
    /// </summary>
    public const int MaxUnreadDiscount = 3;
    private readonly Dictionary<uint, DateTimeOffset> _lastHeard = [];
    private readonly HashSet<uint> _heardThisView = [];
    private readonly Dictionary<(int Accuser, int Accused), DateTimeOffset> _accusations = [];
    private readonly Dictionary<uint, DateTimeOffset> _lostAt = [];
    private readonly Dictionary<int, ViewProposal> _commits = [];
    private readonly HashSet<(uint Node, int ViewId)> _caughtUp = [];
    private readonly List<(uint From, int ViewId, ProtocolMessage Message)> _future = [];
    private readonly Dictionary<uint, ViewMember> _pendingJoins = [];
    private readonly Dictionary<uint, DateTimeOffset> _joinRequestedAt = [];
    private View? _view;
    private int _myRank;
    private SharedStateTable _table = null!;
    private DateTimeOffset _nextHeartbeat;
    private DateTimeOffset _lastTick;

    /// <summary>How far the host's reads lagged behind the clock at the last tick (see <see cref="Tick(DateTimeOffset)"/>).</summary>
    private TimeSpan _readLag;
    private bool _leaving;
    private bool _proposed;

    private int LeaderRank()
    {
        for (var rank = 0; rank < _table.Count; rank++)
        {
            if (!_own.Suspected[rank])
            {
                return rank;
            }
        }
        return -1;
    }

    private int RankInView(uint nodeId) => _view?.RankOf(nodeId) ?? -1;

    private int LiveCount()
    {
        var live = 0;
        foreach (var suspected in _own.Suspected)
        {
            live += suspected ? 0 : 1;
        }
        return live;
    }

    private TimeSpan AccusationGrace => _options.SuspicionTimeout + _options.HeartbeatInterval;

    private DateTimeOffset ActiveDeadline()
    {
        var deadline = _nextHeartbeat;
        if (_holdingSince != DateTimeOffset.MaxValue && !_own.Wedged && _holdingSince + _options.FormationWait is var admitAt && admitAt < deadline)
        {
            deadline = admitAt;
        }
        foreach (var adoptAt in _accusations.Values)
        {
            deadline = adoptAt < deadline ? adoptAt : deadline;
        }
        var members = _view!.Members;
        for (var rank = 0; rank < members.Count; rank++)
        {
            if (rank != _myRank && !_own.Suspected[rank] && _lastHeard.TryGetValue(members[rank].NodeId, out var heard))
            {
                var suspectAt = heard + SilenceAllowed(members[rank].NodeId) + _readLag;
                deadline = suspectAt < deadline ? suspectAt : deadline;
            }
        }
        return deadline;
    }

    /// <summary>
    /// A tick much later than the one before means this member did not run meanwhile (starved of the CPU, paused by
    /// the collector): the others' rows may be waiting unread, so the time it missed is not counted as their
    /// silence. Without this, a member stalled past the suspicion timeout woke up suspecting everyone, and with
    /// partition safety it stopped (seen under heavy load on the restart leader of a just restarted group).
    /// </summary>
    private void DiscountOwnStall(DateTimeOffset now)
    {
        var gap = now - _lastTick;
        _lastTick = now;
        // Ticks come at least every heartbeat interval while the member runs.
        if (gap <= _options.HeartbeatInterval + (_options.SuspicionTimeout / 2))
        {
            return;
        }
        foreach (var (node, heard) in _lastHeard.ToList())
        {
            _lastHeard[node] = heard + gap < now ? heard + gap : now;
        }
    }

    private void SuspectSilentMembers(DateTimeOffset now)
    {
        var members = _view!.Members;
        for (var rank = 0; rank < members.Count && Status == MemberStatus.Active; rank++)
        {
            var node = members[rank].NodeId;
            if (rank != _myRank && !_own.Suspected[rank] && now - _lastHeard.GetValueOrDefault(node, now) >= SilenceAllowed(node))
            {
                Suspect(rank);
            }
        }
    }

    /// <summary>
    /// Once an accusation has stood for <see cref="AccusationGrace"/>, the leader settles all those standing between
    /// members it does not suspect: it suspects, one at a time, the member in the most of them (accused in the
    /// most, then the highest rank), until no two remaining members accuse each other. A member cut off in a
    /// minority accuses and is accused by many and goes; of two members that lost their link, one goes.
    /// </summary>
    private void AdoptAccusations(DateTimeOffset now)
    {
        var ripe = false;
        foreach (var ((accuser, accused), adoptAt) in _accusations.ToList())
        {
            if (_own.Suspected[accuser] || _own.Suspected[accused])
            {
                _accusations.Remove((accuser, accused));
            }
            else
            {
                ripe |= now >= adoptAt;
            }
        }
        if (LeaderRank() != _myRank)
        {
            // No longer the leader (it suspected itself to leave, say): settling is for the new leader.
            _accusations.Clear();
            return;
        }
        if (!ripe)
        {
            return;
        }
        _accusations.Clear();
        var count = _table.Count;
        var involved = new int[count];
        var accusedBy = new int[count];
        while (true)
        {
            Array.Clear(involved);
            Array.Clear(accusedBy);
            for (var accuser = 0; accuser < count; accuser++)
            {
                if (accuser == _myRank || _own.Suspected[accuser] || _table[accuser] is not { } row)
                {
                    continue;
                }
                for (var accused = 0; accused < count; accused++)
                {
                    if (accused != accuser && accused != _myRank && !_own.Suspected[accused] && row.Suspected[accused])
                    {
                        involved[accuser]++;
                        involved[accused]++;
                        accusedBy[accused]++;
                    }
                }
            }
            var worst = -1;
            for (var rank = 0; rank < count; rank++)
            {
                if (involved[rank] > 0 && (worst < 0 || involved[rank] > involved[worst]
                    || (involved[rank] == involved[worst] && accusedBy[rank] >= accusedBy[worst])))
                {
                    worst = rank;
                }
            }
            if (worst < 0 || Status != MemberStatus.Active)
            {
                return;
            }
            Suspect(worst);
        }
    }

    /// <summary>
    /// How long a member may stay silent: the suspicion timeout, doubled until it is first heard in this view. A
    /// member that installs the view late (the leader crashed before its commit reached it, and it learns the view
    /// only by taking over after a timeout of its own) is not suspected by those that installed it early.
    /// </summary>
    private TimeSpan SilenceAllowed(uint nodeId) =>
        _heardThisView.Contains(nodeId) ? _options.SuspicionTimeout : 2 * _options.SuspicionTimeout;

    private void Heard(uint nodeId)
    {
        _lastHeard[nodeId] = _time.GetUtcNow();
        _heardThisView.Add(nodeId);
    }

    /// <summary>Suspects a member for good (in this view): wedges, and the suspicion spreads with the row.</summary>
    private void Suspect(int rank)
    {
        if (_own.Suspected[rank])
        {
            return;
        }
        _own.Suspected[rank] = true;
        _table.MarkDirty();
        Wedge();
    }

    private void Wedge()
    {
        if (_own.Wedged)
        {
            return;
        }
        _own.Wedged = true;
        FreezeStreams();
        _table.MarkDirty();
    }

    private void HandleRow(uint from, SstRow row)
    {
        if (row.NodeId != from)
        {
            return;
        }
        if (Status == MemberStatus.Joining)
        {
            Buffer(from, row.ViewId, new RowMessage(row));
            return;
        }
        var viewId = _view!.Id;
        if (row.ViewId < viewId)
        {
            CatchUp(from, row.ViewId);
            return;
        }
        Heard(from);
        if (row.ViewId > viewId)
        {
            Buffer(from, row.ViewId, new RowMessage(row));
            return;
        }
        var rank = _view.RankOf(from);
        if (rank < 0 || rank == _myRank || _view.Members[rank].Incarnation != row.Incarnation
            || !_table.Apply(rank, row) || _own.Suspected[rank])
        {
            return;
        }
        if (row.Suspected[_myRank] && !_leaving)
        {
            // It cannot hear this member (or holds a stale view of it): one of the two must go, and the view
            // change decides which. Its other suspicions are not adopted, so that a member cut off in a minority
            // cannot make the majority suspect itself.
            Suspect(rank);
            return;
        }
        // The leader adopts the other members' suspicions, so that it decides who goes (two members that lose
        // each other's link cost one member, not both), but only once the accuser has kept its accusation and
        // stayed heard for a suspicion timeout: an accuser cut off in a minority, whose rows arrive late when the
        // partition heals, falls silent or accuses the leader meanwhile, and it goes instead. The others accept
        // the leader's proposal rather than copy its suspicions. A leaving member's suspicion of itself spreads
        // from anyone at once.
        var leader = LeaderRank() == _myRank;
        for (var r = 0; r < row.Suspected.Length; r++)
        {
            if (row.Suspected[r] && !_own.Suspected[r] && r != _myRank)
            {
                if (r == rank)
                {
                    Suspect(r);
                }
                else if (leader)
                {
                    _accusations.TryAdd((rank, r), _time.GetUtcNow() + AccusationGrace);
                }
            }
        }
        if (row.Wedged)
        {
            Wedge();
        }
        if (row.AcceptedBallot == rank && row.AcceptedProposal is { } proposal && rank >= _own.AcceptedBallot
            && !_own.Suspected[rank] && _own.AcceptedBallot != rank)
        {
            Wedge();
            _own.AcceptedBallot = rank;
            _own.AcceptedProposal = proposal;
            _table.MarkDirty();
        }
    }

    private void HandleData(uint from, int viewId, int stream, int senderRank, ProtocolMessage message)
    {
        if (Status == MemberStatus.Joining)
        {
            Buffer(from, viewId, message);
            return;
        }
        if (viewId < _view!.Id)
        {
            return;
        }
        Heard(from);
        if (viewId > _view.Id)
        {
            Buffer(from, viewId, message);
            return;
        }
        var fromRank = _view.RankOf(from);
        if (fromRank < 0 || _own.Suspected[fromRank] || stream >= _streams.Length || _streams[stream] is not { } multicast
            || senderRank >= multicast.Ranks.Length)
        {
            return;
        }
        var ranks = multicast.Ranks;
        if (message is DataBatch batch)
        {
            if (fromRank == ranks[senderRank])
            {
                multicast.OnBatch(batch);
            }
        }
        else if (message is DataChunk chunk)
        {
            HandleChunk(multicast, fromRank, chunk);
        }
    }

    private void HandleCommit(uint from, CommitMessage message)
    {
        if (Status != MemberStatus.Active)
        {
            return;
        }
        var endingView = message.Proposal.NextViewId - 1;
        if (endingView > _view!.Id)
        {
            Buffer(from, endingView, message);
        }
        else if (endingView == _view.Id && _table.TrimFits(message.Proposal.Trim))
        {
            Heard(from);
            // A leader that committed a view without itself (it adopted a proposal that removed it) stops at once
            // and welcomes nobody: its state may lack what the trim keeps. The survivors welcome the joiners instead
            // (a joiner installs the first welcome), or the new view would count members that never learn of it.
            ApplyCommit(message.Proposal, admitJoiners: !Array.Exists(message.Proposal.Members, m => m.NodeId == from));
        }
    }

    /// <summary>
    /// A member still in an earlier view gets the commit that ended it (once per view it reports), and a full
    /// suspicion timeout from then on to install the view: it is alive, only behind.
    /// </summary>
    private void CatchUp(uint from, int theirViewId)
    {
        if (_commits.TryGetValue(theirViewId + 1, out var proposal) && _caughtUp.Add((from, theirViewId))
            && FindMember(from, proposal, theirViewId) is { } member)
        {
            Stats.CatchUpsSent++;
            SendTo(member, new CommitMessage(proposal));
            if (RankInView(from) >= 0)
            {
                Heard(from);
            }
        }
    }

    private ViewMember? FindMember(uint nodeId, ViewProposal proposal, int viewId)
    {
        foreach (var member in proposal.Members)
        {
            if (member.NodeId == nodeId)
            {
                return member;
            }
        }
        return _commits.TryGetValue(viewId, out var earlier) ? FindMember(nodeId, earlier, viewId - 1) : null;
    }

    private void Buffer(uint from, int viewId, ProtocolMessage message)
    {
        if (_future.Count < MaxBuffered)
        {
            _future.Add((from, viewId, message));
        }
    }

    private void RegisterPredicates()
    {
        var predicates = _table.Predicates;
        RegisterStreamPredicates();
        predicates.AddTransition(
            () => _options.PartitionSafety && !_leaving && LiveCount() < _view!.Majority,
            () => Stop(Protocol.StopReason.LostMajority));
        predicates.AddTransition(() => _pendingJoins.Count > 0 && !_own.Wedged && IsLeader && !HoldingJoiners(), Wedge);
        predicates.AddRecurrent(() => !_proposed && _own.Wedged && IsLeader && ReadyToPropose(), Propose);
        predicates.AddOneTime(() => _proposed && Accepted() >= AcceptanceNeeded(), Commit);
    }

    /// <summary>Every member the leader does not suspect has wedged and suspects every rank below the leader.</summary>
    private bool ReadyToPropose()
    {
        for (var rank = 0; rank < _table.Count; rank++)
        {
            if (rank == _myRank || _own.Suspected[rank])
            {
                continue;
            }
            if (_table[rank] is not { Wedged: true } row)
            {
                return false;
            }
            for (var accused = 0; accused < _table.Count; accused++)
            {
                if (row.Suspected[accused] && !_own.Suspected[accused] && accused != rank)
                {
                    // An accusation still in its grace period: the next view must not keep both.
                    return false;
                }
            }
            for (var lower = 0; lower < _myRank; lower++)
            {
                if (!row.Suspected[lower])
                {
                    return false;
                }
            }
        }
        return true;
    }

    private void Propose()
    {
        var ballot = _own.AcceptedBallot;
        var proposal = _own.AcceptedProposal;
        for (var rank = 0; rank < _table.Count; rank++)
        {
            if (rank != _myRank && !_own.Suspected[rank] && _table[rank] is { } row && row.AcceptedBallot > ballot)
            {
                ballot = row.AcceptedBallot;
                proposal = row.AcceptedProposal;
            }
        }
        if (proposal is null)
        {
            proposal = FreshProposal();
            Stats.ProposalsMade++;
        }
        else
        {
            Stats.ProposalsAdopted++;
        }
        _proposed = true;
        _own.AcceptedBallot = _myRank;
        _own.AcceptedProposal = proposal;
        _table.MarkDirty();
    }

    private ViewProposal FreshProposal()
    {
        var view = _view!;
        var members = new List<ViewMember>();
        var departed = new List<uint>();
        for (var rank = 0; rank < view.Count; rank++)
        {
            if (_own.Suspected[rank])
            {
                departed.Add(view.Members[rank].NodeId);
            }
            else
            {
                members.Add(view.Members[rank]);
            }
        }
        var trim = RaggedTrim();
        var joined = new List<uint>();
        foreach (var joiner in _pendingJoins.Values)
        {
            if (!members.Exists(m => m.NodeId == joiner.NodeId))
            {
                members.Add(joiner);
                joined.Add(joiner.NodeId);
            }
        }
        if (view.Count == 1 && joined.Count > 1)
        {
            Stats.BatchedAdmissions++;
        }
        return new ViewProposal(view.Id + 1, [.. members], [.. joined], [.. departed], trim);
    }

    private int Accepted()
    {
        var accepted = 0;
        for (var rank = 0; rank < _table.Count; rank++)
        {
            if (rank == _myRank || (!_own.Suspected[rank] && _table[rank]?.AcceptedBallot == _myRank))
            {
                accepted++;
            }
        }
        return accepted;
    }

    private int AcceptanceNeeded() => _options.PartitionSafety ? _view!.Majority : LiveCount();

    private void Commit()
    {
        var proposal = _own.AcceptedProposal!;
        var members = _view!.Members;
        var body = MessageCodec.Encode(new CommitMessage(proposal), _writer);
        for (var rank = 0; rank < members.Count; rank++)
        {
            if (rank != _myRank)
            {
                SendToRank(rank, body);
            }
        }
        ApplyCommit(proposal, admitJoiners: true);
    }

    /// <summary>Delivers up to the committed trim, then installs the next view or stops if excluded from it.</summary>
    private void ApplyCommit(ViewProposal proposal, bool admitJoiners)
    {
        Wedge();
        _commits[proposal.NextViewId] = proposal;
        _commits.Remove(proposal.NextViewId - CommitHistory);
        if (!proposal.Includes(_options.NodeId, _options.Incarnation))
        {
            // Excluded: its deliveries in this view stay a prefix of the survivors' (it may lack messages the trim keeps).
            // A newer incarnation of its node id in the next view took its place: say who, not just "removed".
            var index = Array.FindIndex(proposal.Members, m => m.NodeId == _options.NodeId);
            if (!_leaving && index >= 0 && proposal.Members[index] is var successor)
            {
                Stop(Protocol.StopReason.Replaced, $"node {successor.NodeId} at {successor.Endpoint} (incarnation {successor.Incarnation:x}) is in view {proposal.NextViewId}; this process listens at {_options.Endpoint}");
                return;
            }
            Stop(_leaving ? Protocol.StopReason.Left : Protocol.StopReason.Removed);
            return;
        }
        var discarded = DeliverUpToTrims(proposal.Trim);
        if (discarded > 0)
        {
            Stats.DiscardedByTrim += discarded;
            Stats.TrimsDiscarding++;
        }
        var carried = new List<(int Stream, PendingMessage Message)>();
        TakeUndelivered(carried);
        if (admitJoiners && proposal.Joined.Length > 0)
        {
            var state = _options.StateTransfer?.Capture() ?? [];
            foreach (var member in proposal.Members)
            {
                if (Array.IndexOf(proposal.Joined, member.NodeId) >= 0)
                {
                    SendTo(member, new WelcomeMessage(proposal, state));
                }
            }
        }
        InstallView(proposal.ToView(), carried);
    }

    private void InstallView(View view, List<(int Stream, PendingMessage Message)> carried)
    {
        var previous = _view;
        var previousSuspects = new List<ViewMember>();
        if (previous is not null)
        {
            for (var rank = 0; rank < previous.Count; rank++)
            {
                if (_own.Suspected[rank])
                {
                    previousSuspects.Add(previous.Members[rank]);
                }
            }
        }
        _view = view;
        _myRank = view.RankOf(_options.NodeId);
        if (previous is not null)
        {
            // Installed by a trigger (the leader's commit), this view must not let the ending view's predicates run on.
            _table.Predicates.Retire();
        }
        StartStreams(view, carried);
        RegisterPredicates();
        _proposed = false;
        _holdingSince = DateTimeOffset.MaxValue;
        _caughtUp.Clear();
        _heardThisView.Clear();
        _accusations.Clear();
        _probes.Clear();
        Status = MemberStatus.Active;
        Stats.ViewsInstalled++;
        var now = _time.GetUtcNow();
        _nextHeartbeat = now + _options.HeartbeatInterval;
        _lastTick = now;
        if (!IsLeaderAfterInstall())
        {
            _pendingJoins.Clear();
            _joinRequestedAt.Clear();
        }
        foreach (var member in view.Members)
        {
            _pendingJoins.Remove(member.NodeId);
            _joinRequestedAt.Remove(member.NodeId);
            if (member.NodeId != _options.NodeId && (!_lastHeard.ContainsKey(member.NodeId) || view.Joined.Contains(member.NodeId)))
            {
                _lastHeard[member.NodeId] = now;
            }
        }
        _outputs.Add(new ViewInstalled(view));
        if (_leaving)
        {
            _own.Leaving = true;
            Suspect(_myRank);
        }
        for (var rank = 0; rank < view.Count; rank++)
        {
            var member = view.Members[rank];
            var lost = _lostAt.TryGetValue(member.NodeId, out var lostAt) && lostAt > _lastHeard.GetValueOrDefault(member.NodeId);
            if (rank != _myRank && (previousSuspects.Contains(member) || lost))
            {
                Suspect(rank);
            }
        }
        ReplayBuffered();
    }

    private bool IsLeaderAfterInstall() => _myRank == 0;

    private void ReplayBuffered()
    {
        if (_future.Count == 0)
        {
            return;
        }
        var buffered = _future.ToArray();
        _future.Clear();
        var viewId = _view!.Id;
        foreach (var (from, messageViewId, message) in buffered)
        {
            if (Status != MemberStatus.Active || _view.Id != viewId)
            {
                // A replayed commit installed a later view: keep the rest for it.
                if (messageViewId >= _view!.Id)
                {
                    _future.Add((from, messageViewId, message));
                }
                continue;
            }
            if (messageViewId == viewId)
            {
                Handle(from, message);
            }
            else if (messageViewId > viewId)
            {
                _future.Add((from, messageViewId, message));
            }
        }
    }
}
