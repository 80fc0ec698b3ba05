using System.Net;
using Derecho.Protocol;

namespace Derecho.Restart;

/// <summary>
/// How a member that restarts with a view recorded by an earlier run finds its group when restart leaders are
/// configured (Derecho's <c>restart_leaders</c>): leader <c>i</c> asks the leaders before it and the members of its
/// last view, and starts the restarted group alone only when none has answered for <see cref="GroupOptions.RejoinWait"/>
/// plus <c>i</c> times <see cref="GroupOptions.RestartTimeout"/> (a leader holding it answers every request), so the
/// next leader takes over when one is down (or crashed during the restart); a member that is no leader asks the
/// first leader (every leader in turn with <see cref="GroupOptions.EnableBackupRestartLeaders"/>) and the members of
/// its last view until one admits it, and never starts a group. Whoever starts it, the restarted group stays
/// inadequate until it holds a majority of the starter's last view (see
/// <see cref="Rpc.ReplicatedGroupOptions.RestartState"/>), so two leaders that both started cannot both resume.
/// </summary>
public static class RestartLeaders
{
    /// <summary>The position of the member listening at <paramref name="gms"/> in the leader list, or -1.</summary>
    public static int IndexOf(IReadOnlyList<IPEndPoint> leaders, IPEndPoint gms)
    {
        ArgumentNullException.ThrowIfNull(leaders);
        ArgumentNullException.ThrowIfNull(gms);
        for (var i = 0; i < leaders.Count; i++)
        {
            if (leaders[i].Port == gms.Port && (leaders[i].Address.Equals(gms.Address) || IPAddress.Any.Equals(gms.Address)))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// The endpoints a restarting member asks, in order, and how long it waits before starting alone
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: never).
    /// </summary>
    public static (IReadOnlyList<string> Contacts, TimeSpan StartAloneAfter) Plan(GroupOptions options, IPEndPoint gms, IReadOnlyList<string> lastViewMembers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(lastViewMembers);
        var leaders = options.RestartLeaders;
        var index = IndexOf(leaders, gms);
        var asked = index >= 0 ? leaders.Take(index) : options.EnableBackupRestartLeaders ? leaders : leaders.Take(1);
        var contacts = asked.Select(l => l.ToString()).Concat(lastViewMembers).Distinct().ToList();
        var wait = index < 0 ? Timeout.InfiniteTimeSpan : options.RejoinWait + (index * options.RestartTimeout);
        return (contacts, wait);
    }

    /// <summary>The protocol member for a restart (see the type's summary).</summary>
    internal static Member CreateMember(GroupOptions options, MemberOptions memberOptions, IPEndPoint gms, IReadOnlyList<string> lastViewMembers, TimeProvider time)
    {
        var (contacts, wait) = Plan(options, gms, lastViewMembers);
        return contacts.Count == 0 ? Member.StartGroup(memberOptions, time) : Member.Rejoin(memberOptions, contacts, wait, time);
    }
}
