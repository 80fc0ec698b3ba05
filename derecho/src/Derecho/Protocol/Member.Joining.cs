using Derecho.Membership;

namespace Derecho.Protocol;

/// <summary>Joins: requests through any member, redirected to the leader, batched into the next view change.</summary>
public sealed partial class Member
{
    private string _contact;
    private string _joinTarget;
    private uint? _joinTargetId;
    private DateTimeOffset _nextJoinAttempt;

    private ViewMember Self => new(_options.NodeId, _options.Incarnation, _options.Endpoint);

    private void SendJoinRequest()
    {
        _outputs.Add(new SendToPeer(_joinTargetId, _joinTarget, MessageCodec.Encode(new JoinRequest(Self), _writer)));
        _nextJoinAttempt = _time.GetUtcNow() + _options.JoinRetryInterval;
        // A redirect is good for one attempt: if the leader does not answer, ask the contact again.
        _joinTarget = _contact;
        _joinTargetId = null;
    }

    private void HandleRedirect(JoinRedirect redirect)
    {
        if (Status != MemberStatus.Joining || redirect.LeaderId == _options.NodeId)
        {
            return;
        }
        _joinTarget = redirect.LeaderEndpoint;
        _joinTargetId = redirect.LeaderId;
        SendJoinRequest();
    }

    private void HandleJoinRequest(ViewMember joiner)
    {
        if (Status != MemberStatus.Active || joiner.NodeId == _options.NodeId)
        {
            return;
        }
        var leader = LeaderRank();
        if (leader != _myRank)
        {
            if (leader >= 0)
            {
                var target = _view!.Members[leader];
                _outputs.Add(new SendToPeer(joiner.NodeId, joiner.Endpoint,
                    MessageCodec.Encode(new JoinRedirect(target.NodeId, target.Endpoint), _writer)));
            }
            return;
        }
        var rank = _view!.RankOf(joiner.NodeId);
        if (rank >= 0)
        {
            if (_view.Members[rank].Incarnation >= joiner.Incarnation)
            {
                return;
            }
            // The member restarted: its earlier incarnation is gone.
            Suspect(rank);
        }
        if (!_pendingJoins.TryGetValue(joiner.NodeId, out var pending) || pending.Incarnation < joiner.Incarnation)
        {
            _pendingJoins[joiner.NodeId] = joiner;
        }
    }

    private void HandleWelcome(WelcomeMessage welcome)
    {
        var proposal = welcome.Proposal;
        if (Status != MemberStatus.Joining || !proposal.Includes(_options.NodeId, _options.Incarnation))
        {
            return;
        }
        _options.StateTransfer?.Apply(welcome.State.Span);
        // The commit that admitted it also ended the previous view: with it, this member can catch up a member
        // of that view that missed the commit (say, because the leader crashed right after it).
        _commits[proposal.NextViewId] = proposal;
        var carried = new List<Multicast.PendingMessage>(_beforeFirstView);
        _beforeFirstView.Clear();
        InstallView(proposal.ToView(), carried);
    }
}
