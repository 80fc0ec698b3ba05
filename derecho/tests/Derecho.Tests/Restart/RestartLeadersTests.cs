using System.Net;
using Derecho.Configuration;
using Derecho.Protocol;
using Derecho.Restart;
using Microsoft.Extensions.Time.Testing;

namespace Derecho.Tests.Restart;

/// <summary>Whom a restarting member asks and when a restart leader starts alone (sans-IO, fake time).</summary>
public sealed class RestartLeadersTests
{
    private static readonly IPEndPoint Leader0 = new(IPAddress.Loopback, 23580);
    private static readonly IPEndPoint Leader1 = new(IPAddress.Loopback, 23581);
    private static readonly IPEndPoint Other = new(IPAddress.Loopback, 23582);

    private static GroupOptions Options(bool backups) => new()
    {
        RestartLeaders = [Leader0, Leader1],
        EnableBackupRestartLeaders = backups,
        RestartTimeout = TimeSpan.FromSeconds(2),
        RejoinWait = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public void Each_leader_asks_those_before_it_and_waits_longer_the_later_it_comes()
    {
        var (contacts0, wait0) = RestartLeaders.Plan(Options(false), Leader0, ["n7"]);
        Assert.Equal(["n7"], contacts0);
        Assert.Equal(TimeSpan.FromSeconds(5), wait0);
        var (contacts1, wait1) = RestartLeaders.Plan(Options(false), Leader1, ["n7"]);
        Assert.Equal([Leader0.ToString(), "n7"], contacts1);
        Assert.Equal(TimeSpan.FromSeconds(7), wait1);
    }

    [Fact]
    public void A_member_that_is_no_leader_never_starts_alone_and_asks_every_leader_only_with_backups()
    {
        var (without, wait) = RestartLeaders.Plan(Options(false), Other, ["n7"]);
        Assert.Equal([Leader0.ToString(), "n7"], without);
        Assert.Equal(Timeout.InfiniteTimeSpan, wait);
        var (with, _) = RestartLeaders.Plan(Options(true), Other, ["n7"]);
        Assert.Equal([Leader0.ToString(), Leader1.ToString(), "n7"], with);

        var time = new FakeTimeProvider();
        var member = Member.Rejoin(new MemberOptions { NodeId = 2, Incarnation = 1, Endpoint = "n2" }, with, wait, time);
        time.Advance(TimeSpan.FromHours(1));
        member.Tick();
        Assert.Equal(MemberStatus.Joining, member.Status);
    }

    [Fact]
    public void The_second_leader_starts_the_group_alone_once_its_wait_passed_without_an_answer()
    {
        var time = new FakeTimeProvider();
        var (contacts, wait) = RestartLeaders.Plan(Options(true), Leader1, []);
        var leader = Member.Rejoin(new MemberOptions { NodeId = 1, Incarnation = 1, Endpoint = "n1", FirstViewId = 4100 }, contacts, wait, time);
        time.Advance(TimeSpan.FromSeconds(6.9));
        leader.Tick();
        Assert.Null(leader.View);
        time.Advance(TimeSpan.FromSeconds(0.1));
        leader.Tick();
        Assert.Equal(MemberStatus.Active, leader.Status);
        Assert.Equal(4100, leader.View!.Id);
    }

    [Fact]
    public void The_leader_hears_the_joiners_information_and_holds_it_back_until_it_admits_it()
    {
        var time = new FakeTimeProvider();
        var admission = new Admission([9, 9, 9]);
        var leader = Member.StartGroup(new MemberOptions { NodeId = 1, Incarnation = 1, Endpoint = "n1", JoinAdmission = admission }, time);
        var joiner = Member.Join(new MemberOptions { NodeId = 2, Incarnation = 1, Endpoint = "n2", JoinAdmission = admission }, "n1", time);
        admission.Admits = false;
        Deliver(joiner, leader);
        Assert.Equal([9, 9, 9], admission.Heard.Single());
        Assert.Equal(1, leader.View!.Count);
        admission.Admits = true;
        time.Advance(TimeSpan.FromSeconds(5));
        joiner.Tick();
        Deliver(joiner, leader);
        for (var i = 0; i < 20 && joiner.View is null; i++)
        {
            leader.Tick();
            Deliver(leader, joiner);
            Deliver(joiner, leader);
        }
        Assert.Equal(2, joiner.View!.Count);
    }

    /// <summary>
    /// Both restart leaders ask each other while both still ask (join requests only, no answer), so each starts a
    /// group alone. While their groups run nothing (the restart awaits its quorum) they go on asking, and end in one
    /// group, that of the lower node id; a group that runs already is never given up.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Two_leaders_that_each_started_alone_while_restarting_end_in_one_group(bool restartPending)
    {
        var time = new FakeTimeProvider();
        var members = new[] { 1u, 2u }.Select(id => Member.Rejoin(
            new MemberOptions { NodeId = id, Incarnation = 1, Endpoint = $"n{id}", FirstViewId = 4000 + (100 * (int)id), JoinAdmission = new Admission([7]) { MayYield = restartPending } },
            [id == 1 ? "n2" : "n1"], TimeSpan.FromSeconds(5), time)).ToArray();
        Deliver(members[0], members[1]);
        Deliver(members[1], members[0]);
        time.Advance(TimeSpan.FromSeconds(5));
        Array.ForEach(members, m => m.Tick());
        Assert.All(members, m => Assert.Equal(1, m.View!.Count));
        for (var i = 0; i < 100 && members.Any(m => m.View!.Count < 2); i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            Array.ForEach(members, m => m.Tick());
            Deliver(members[0], members[1]);
            Deliver(members[1], members[0]);
        }
        if (!restartPending)
        {
            Assert.All(members, m => Assert.Equal(1, m.View!.Count));
            return;
        }
        Assert.All(members, m => Assert.Equal(MemberStatus.Active, m.Status));
        Assert.Equal(members[0].View!.Id, members[1].View!.Id);
        Assert.Equal([1u, 2u], members[1].View!.Members.Select(m => m.NodeId));
    }

    private static void Deliver(Member from, Member to)
    {
        var outputs = new List<MemberOutput>();
        from.DrainOutputs(outputs);
        foreach (var send in outputs.OfType<SendToPeer>())
        {
            to.Receive(from.NodeId, send.WholeBody());
        }
    }

    private sealed class Admission(byte[] info) : IJoinAdmission
    {
        public bool Admits { get; set; } = true;

        public bool MayYield { get; set; }

        public List<byte[]> Heard { get; } = [];

        public ReadOnlyMemory<byte> JoinInfo => info;

        public bool Admit(Derecho.Membership.ViewMember joiner, ReadOnlySpan<byte> heard)
        {
            Heard.Add(heard.ToArray());
            return Admits;
        }
    }

    [Fact]
    public void The_restart_keys_are_read_and_checked()
    {
        var options = DerechoConfiguration.FromEntries(ConfigurationFile.Parse("""
            [DERECHO]
            restart_leaders = 127.0.0.1, 127.0.0.2
            restart_leader_ports = 23580,23590
            enable_backup_restart_leaders = true
            restart_timeout_ms = 1500
            """, "derecho.cfg")).Options;
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 23580), new IPEndPoint(IPAddress.Parse("127.0.0.2"), 23590)], options.RestartLeaders);
        Assert.True(options.EnableBackupRestartLeaders);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.RestartTimeout);

        var mismatch = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.FromEntries(ConfigurationFile.Parse(
            "[DERECHO]\nrestart_leaders = 127.0.0.1,127.0.0.1\nrestart_leader_ports = 23580\n", "derecho.cfg")));
        Assert.Contains("restart_leader_ports", mismatch.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.FromEntries(ConfigurationFile.Parse(
            "[DERECHO]\nrestart_leaders = 127.0.0.1,nowhere\nrestart_leader_ports = 1,2\n", "derecho.cfg")));
        Assert.Contains("nowhere", bad.Message, StringComparison.Ordinal);
    }
}
