using Derecho.Membership;

namespace Derecho.Protocol;

/// <summary>Joins: requests through any member, redirected to the leader, batched into the next view change.</summary>
public sealed partial class Member
{
    private string _contact;
    private string _joinTarget;
    private uint? _joinTargetId;
    private DateTimeOffset _nextJoinAttempt;
    private string[] _contacts = [];
    private int _nextContact;
    private DateTimeOffset _startAloneAt = DateTimeOffset.MaxValue;
    private TimeSpan _startAloneAfter = Timeout.InfiniteTimeSpan;
    private bool _startedAlone;

    /// <summary>Members of the view whose node id a joiner at another address claims, being probed (<see cref="AwaitProbe"/>), with those joiners' requests.</summary>
    private readonly Dictionary<ViewMember, List<(ViewMember Joiner, byte[] Request)>> _probes = [];

    /// <summary>When this leader, alone in its view, began to hold joiners back (see <see cref="HoldingJoiners"/>).</summary>
    private DateTimeOffset _holdingSince = DateTimeOffset.MaxValue;

    private ViewMember Self => new(_options.NodeId, _options.Incarnation, _options.Endpoint);

    /// <summary>
    /// Creates a member that restarts after a failure and rejoins the group it was in rather than start another:
    /// it asks the members it knew (say, those of the last view it installed) in turn to admit it. When it has heard
    /// nothing from any member (join requests of others looking for a group aside) for
    /// <paramref name="startAloneAfter"/>, from its start or from the last answer, it starts a new group alone (view
    /// <see cref="MemberOptions.FirstViewId"/>), as <see cref="StartGroup"/> would: so it also starts one when the old
    /// group answered once and then died. A live member answers every request (a redirect to the leader; the leader
    /// answers that it holds the joiner, also while it waits for a view change or an adequate view), so a joiner held
    /// back is not starved of answers; each answer names the members of the answerer's view, and the member asks them
    /// too from then on, so it follows a group that moves on past the members it knew.
    /// </summary>
    /// <remarks>
    /// Starting alone is a guess that the old group is gone: a group that is alive but unreachable from here (a
    /// partition, before or after it answered), or that none of the members it knows or was told of is in any more,
    /// would go on beside the new one. Give a wait of several suspicion timeouts, and longer than a round of the
    /// endpoints it asks at <see cref="MemberOptions.JoinRetryInterval"/>. A member that must never start a group (a
    /// restarting member that is not a restart leader) gives <see cref="Timeout.InfiniteTimeSpan"/>: it asks the
    /// endpoints in turn until one admits it.
    /// </remarks>
    /// <exception cref="ArgumentException">No known endpoint, or the wait is neither positive nor infinite.</exception>
    public static Member Rejoin(MemberOptions options, IReadOnlyList<string> knownEndpoints, TimeSpan startAloneAfter, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(knownEndpoints);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var contacts = knownEndpoints.Where(e => !string.IsNullOrEmpty(e) && e != options.Endpoint).Distinct().ToArray();
        if (contacts.Length == 0)
        {
            throw new ArgumentException("no known member other than this one to rejoin through", nameof(knownEndpoints));
        }
        if (startAloneAfter <= TimeSpan.Zero && startAloneAfter != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("the wait before starting alone must be positive", nameof(startAloneAfter));
        }
        var member = new Member(options, time)
        {
            _contacts = contacts,
            _contact = contacts[0],
            _joinTarget = contacts[0],
            _startAloneAt = startAloneAfter == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : time.GetUtcNow() + startAloneAfter,
            _startAloneAfter = startAloneAfter,
        };
        member.SendJoinRequest();
        return member;
    }

    private void SendJoinRequest()
    {
        // The first byte says whether this member is seeking (see Seeking); the admission's information follows.
        var admission = _options.JoinAdmission?.JoinInfo ?? default;
        var info = new byte[1 + admission.Length];
        info[0] = Seeking ? (byte)1 : (byte)0;
        admission.Span.CopyTo(info.AsSpan(1));
        _outputs.Add(new SendToPeer(_joinTargetId, _joinTarget, MessageCodec.Encode(new JoinRequest(Self, info), _writer)));
        _nextJoinAttempt = _time.GetUtcNow() + _options.JoinRetryInterval;
        // A redirect is good for one attempt: if the leader does not answer, ask the contact again (when
        // rejoining, the next known member in turn).
        if (_contacts.Length > 0)
        {
            _nextContact = (_nextContact + 1) % _contacts.Length;
            _contact = _contacts[_nextContact];
        }
        _joinTarget = _contact;
        _joinTargetId = null;
    }

    /// <summary>
    /// Rejoining with a finite wait: an answer from a peer (anything but another joiner's request) pushes the start
    /// alone back by the wait (see <see cref="Rejoin"/>).
    /// </summary>
    private void HeardWhileJoining(ProtocolMessage message)
    {
        if (Status == MemberStatus.Joining && _startAloneAt != DateTimeOffset.MaxValue && message is not JoinRequest)
        {
            _startAloneAt = _time.GetUtcNow() + _startAloneAfter;
        }
    }

    /// <summary>Joining: retry, or start alone when rejoining and nobody answered for the wait.</summary>
    private void TickJoining(DateTimeOffset now)
    {
        if (now >= _startAloneAt)
        {
            _startAloneAt = DateTimeOffset.MaxValue;
            var carried = new List<(int Stream, Multicast.PendingMessage Message)>(_beforeFirstView);
            _beforeFirstView.Clear();
            _future.Clear();
            InstallView(new View(_options.FirstViewId, [Self], [_options.NodeId], []), carried);
            _startedAlone = true;
            _nextJoinAttempt = now + _options.JoinRetryInterval;
        }
        else if (now >= _nextJoinAttempt)
        {
            SendJoinRequest();
        }
    }

    /// <summary>
    /// Whether this member started its group alone after nobody answered its rejoin, is still alone in it, and its
    /// group runs nothing yet (<see cref="IJoinAdmission.MayYield"/>: a restart still waiting for its quorum). Two
    /// restarting members may each have started a group while the other was still asking (a restart leader crashed
    /// and came back meanwhile, say), and without more each would wait forever for the other. So such a member
    /// goes on asking the members it knew, and moves into a group that admits it (<see cref="HandleWelcome"/>): one
    /// of others, or of a lone member with a lower node id. Between two such lone members only the lower id admits
    /// the other (each join request says whether its sender is seeking), so exactly one of them moves.
    /// </summary>
    private bool Seeking => _startedAlone && Status == MemberStatus.Active && _view!.Count == 1 && _contacts.Length > 0
        && _options.JoinAdmission is { MayYield: true };

    /// <summary>Seeking: asks the next member it knew (<see cref="Seeking"/>).</summary>
    private void TickSeeking(DateTimeOffset now)
    {
        if (Seeking && now >= _nextJoinAttempt)
        {
            SendJoinRequest();
        }
    }

    private void HandleRedirect(JoinRedirect redirect)
    {
        if ((Status != MemberStatus.Joining && !Seeking) || redirect.LeaderId == _options.NodeId)
        {
            return;
        }
        _joinTarget = redirect.LeaderEndpoint;
        _joinTargetId = redirect.LeaderId;
        LearnContacts(redirect.Members);
        if (!redirect.Held)
        {
            SendJoinRequest();
        }
    }

    private void HandleJoinRequest(ViewMember joiner, ReadOnlySpan<byte> info)
    {
        if (Status != MemberStatus.Active || joiner == Self || info.IsEmpty)
        {
            return;
        }
        var request = info;
        var joinerSeeking = info[0] == 1;
        info = info[1..];
        if (joinerSeeking && Seeking && joiner.NodeId < _options.NodeId)
        {
            return; // both lone and seeking: this one moves into the joiner's group instead (see Seeking)
        }
        var rank = _view!.RankOf(joiner.NodeId);
        if (rank >= 0 && _view.Members[rank] is var holder && holder.Incarnation != joiner.Incarnation
            && holder.Endpoint != joiner.Endpoint && !_own.Suspected[rank])
        {
            // Derecho refuses every join whose id is in the view, so a member restarted at another address had to
            // wait until its old incarnation was suspected, and one that came too soon was turned away. The host
            // probes the holder's address instead (ProbeMember): a process elsewhere claiming the id of a member
            // that answers there is refused (it must not evict a live member); if nothing answers there, or another
            // process does, the old incarnation is taken as failed and the joiner goes on.
            AwaitProbe(holder, joiner, request);
            return;
        }
        var leader = LeaderRank();
        if (leader != _myRank)
        {
            if (leader >= 0)
            {
                AnswerJoiner(joiner, _view!.Members[leader], held: false);
            }
            return;
        }
        // Whatever follows (admitted at the next view change, held back, or admitted already and welcomed), the
        // joiner hears that the leader has it, so that a rejoining member does not give up and start alone.
        AnswerJoiner(joiner, Self, held: true);
        if (rank >= 0)
        {
            if (_view.Members[rank].Incarnation >= joiner.Incarnation)
            {
                return;
            }
            // The member restarted: its earlier incarnation is gone.
            Suspect(rank);
        }
        if (_options.JoinAdmission is { } admission && !admission.Admit(joiner, info))
        {
            return;
        }
        if (!_pendingJoins.TryGetValue(joiner.NodeId, out var pending) || pending.Incarnation < joiner.Incarnation)
        {
            _pendingJoins[joiner.NodeId] = joiner;
        }
        if (_pendingJoins[joiner.NodeId].Incarnation == joiner.Incarnation)
        {
            _joinRequestedAt[joiner.NodeId] = _time.GetUtcNow();
        }
    }

    private void AnswerJoiner(ViewMember joiner, ViewMember leader, bool held)
    {
        var members = _view!.Members.Select(m => m.Endpoint).ToArray();
        var body = MessageCodec.Encode(new JoinRedirect(leader.NodeId, leader.Endpoint, held, members), _writer);
        // A joiner whose node id is in the view (a restart not yet admitted) is answered over its own connection,
        // not the one to the view's member of that id.
        _outputs.Add(_view.RankOf(joiner.NodeId) >= 0 ? new SendToJoiner(joiner, body) : new SendToPeer(joiner.NodeId, joiner.Endpoint, body));
    }

    /// <summary>
    /// Holds <paramref name="joiner"/>'s request until the host answers whether <paramref name="holder"/>, the member
    /// of the view with its node id, still runs at its address (one probe per holder at a time; the joiners that
    /// ask meanwhile wait on the same answer, and ask again anyway every <see cref="MemberOptions.JoinRetryInterval"/>).
    /// </summary>
    private void AwaitProbe(ViewMember holder, ViewMember joiner, ReadOnlySpan<byte> request)
    {
        if (!_probes.TryGetValue(holder, out var waiting))
        {
            _probes[holder] = waiting = [];
            _outputs.Add(new ProbeMember(holder));
        }
        if (!waiting.Exists(w => w.Joiner == joiner))
        {
            waiting.Add((joiner, request.ToArray()));
        }
    }

    /// <summary>
    /// The host's answer to a <see cref="ProbeMember"/>: whether <paramref name="holder"/> (that node id and
    /// incarnation) answered at its endpoint. If it did, the joiners that claimed its node id meanwhile are refused
    /// (<see cref="StopReason.IdInUse"/>); if not, it is suspected as failed, and their requests go on as those of a
    /// restarted member (admitted at the next view change). An answer about a member no longer in the view, or one
    /// this member did not ask for, changes nothing.
    /// </summary>
    public void ProbeAnswered(ViewMember holder, bool alive)
    {
        if (Status != MemberStatus.Active || !_probes.Remove(holder, out var waiting))
        {
            return;
        }
        var rank = _view!.RankOf(holder.NodeId);
        if (rank >= 0 && _view.Members[rank] == holder)
        {
            if (alive && !_own.Suspected[rank])
            {
                foreach (var (joiner, _) in waiting)
                {
                    _outputs.Add(new SendToJoiner(joiner, MessageCodec.Encode(new JoinRefused(
                        $"node id {joiner.NodeId} belongs to the live member at {holder.Endpoint} (view {_view.Id}); this process listens at {joiner.Endpoint}. " +
                        "A member restarts on its own address, or elsewhere once its old process is gone; a new member needs a local_id of its own"), _writer)));
                }
            }
            else
            {
                Suspect(rank);
                foreach (var (joiner, request) in waiting)
                {
                    HandleJoinRequest(joiner, request);
                }
            }
        }
        AfterInput();
    }

    /// <summary>The leader refused this member's join for good (<see cref="StopReason.IdInUse"/>).</summary>
    private void HandleRefused(JoinRefused refused)
    {
        if (Status == MemberStatus.Joining)
        {
            Stop(Protocol.StopReason.IdInUse, refused.Reason);
        }
    }

    /// <summary>
    /// A rejoining member asks the members of the view that answered it too, from then on: the group may move on
    /// past the members it knew (they fail and others join) while it waits, and it must not take their silence for
    /// the group's (see <see cref="Rejoin"/>).
    /// </summary>
    private void LearnContacts(string[] endpoints)
    {
        if (_contacts.Length == 0)
        {
            return;
        }
        var added = endpoints.Where(e => !string.IsNullOrEmpty(e) && e != _options.Endpoint && !_contacts.Contains(e)).Distinct()
            .Take(MessageCodec.MaxMembers - _contacts.Length).ToArray();
        if (added.Length > 0)
        {
            _contacts = [.. _contacts, .. added];
        }
    }

    /// <summary>
    /// Whether this leader, alone in its view, holds the pending joiners back because they would not make an
    /// adequate view together yet (<see cref="IShardPlanner.IsAdequate"/>): it admits them all in one view once they
    /// do, or once it has held them for <see cref="MemberOptions.FormationWait"/>.
    /// </summary>
    private bool HoldingJoiners()
    {
        if (_view!.Count != 1 || _options.ShardPlanner is not { } planner)
        {
            return false;
        }
        var members = new List<ViewMember>(_view.Members);
        members.AddRange(_pendingJoins.Values);
        if (planner.IsAdequate(new View(_view.Id + 1, members, [.. _pendingJoins.Keys], [])))
        {
            return false;
        }
        var now = _time.GetUtcNow();
        if (_holdingSince == DateTimeOffset.MaxValue)
        {
            _holdingSince = now;
        }
        return now < _holdingSince + _options.FormationWait;
    }

    /// <summary>
    /// A held joiner that stopped asking (it crashed or gave up while the leader waited for more) is forgotten, so
    /// that the view that admits the others does not include a member that is gone. Joiners ask again every
    /// <see cref="MemberOptions.JoinRetryInterval"/>, but a rejoining one asks the members it knew in turn, so the
    /// leader waits for many intervals.
    /// </summary>
    private void ForgetSilentJoiners(DateTimeOffset now)
    {
        if (_view!.Count != 1 || _own.Wedged)
        {
            return;
        }
        var patience = (10 * _options.JoinRetryInterval) + _options.SuspicionTimeout;
        foreach (var (node, requestedAt) in _joinRequestedAt.ToList())
        {
            if (now - requestedAt > patience)
            {
                _pendingJoins.Remove(node);
                _joinRequestedAt.Remove(node);
            }
        }
        if (_pendingJoins.Count == 0)
        {
            _holdingSince = DateTimeOffset.MaxValue;
        }
    }

    private void HandleWelcome(WelcomeMessage welcome)
    {
        var proposal = welcome.Proposal;
        if (!proposal.Includes(_options.NodeId, _options.Incarnation))
        {
            return;
        }
        var carried = new List<(int Stream, Multicast.PendingMessage Message)>();
        if (Status == MemberStatus.Active)
        {
            // A seeking member (see Seeking) moves into a group of others, or of a lone member with a lower id: its
            // own group ran nothing, and what it sent there and nobody delivered goes with it.
            var others = proposal.Members.Length - proposal.Joined.Length;
            if (!Seeking || (others < 2 && proposal.Members[0].NodeId > _options.NodeId))
            {
                return;
            }
            TakeUndelivered(carried);
            _future.Clear();
            _commits.Clear();
            _startedAlone = false;
        }
        else if (Status != MemberStatus.Joining)
        {
            return;
        }
        carried.AddRange(_beforeFirstView);
        _beforeFirstView.Clear();
        _options.StateTransfer?.Apply(welcome.State.Span);
        // The commit that admitted it also ended the previous view: with it, this member can catch up a member
        // of that view that missed the commit (say, because the leader crashed right after it).
        _commits[proposal.NextViewId] = proposal;
        InstallView(proposal.ToView(), carried);
    }
}
