using Serval.Bpf;
using Serval.Symbolic;

namespace Serval.Tests.Bpf;

/// <summary>Helper calls through the call manager: <c>bpf_map_lookup_elem</c> on a legacy array map of a clang-built object.</summary>
public sealed class BpfMapTests
{
    [Fact(Timeout = 60_000), Integration]
    public async Task A_checked_lookup_is_proved_safe_and_an_uncheckedGetone_dereferences_NULL_for_a_key_past_the_end()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("bpf-maps");
        var objectFile = await BpfBuild.CompileAsync(dir, BpfBuild.SamplePath("maps.c"), "v3", token);
        var index = BitVec.Var("index", 64);

        var get = BpfProgram.Load(objectFile, function: "get");
        var map = Assert.Single(get.Maps);
        Assert.Equal(("counters", 8u, 16u), (map.Name, map.ValueSize, map.MaxEntries));
        var safe = get.Interpreter().Run(get.Start([index], zeroed: false));
        Assert.Equal(VerifyOutcome.Proved, Sym.Verify(!safe.Bugs.Aggregate(Bool.False, (any, b) => any | b.Condition), cancellationToken: token).Outcome);

        var uncheckedGet = BpfProgram.Load(objectFile, function: "get_unchecked");
        var execution = uncheckedGet.Interpreter().Run(uncheckedGet.Start([index], zeroed: false));
        var result = Sym.Verify(!execution.Bugs.Aggregate(Bool.False, (any, b) => any | b.Condition), cancellationToken: token);
        Assert.Equal(VerifyOutcome.Counterexample, result.Outcome);
        Assert.True((result.Model!.Evaluate(index).Value & 0xFFFF_FFFF) >= 16);
        var bug = execution.Bugs.First(b => result.Model.Evaluate(b.Condition).IsTrue);
        Assert.Contains("at 0x0 outside every memory region", bug.Message, StringComparison.Ordinal);
        Assert.Equal(BpfClass.Ldx, uncheckedGet.Instructions.Single(i => i.Index == (int)bug.Pc).Class);
    }

    [Fact(Timeout = 60_000), Integration]
    public async Task Values_written_through_a_lookup_are_read_back_by_the_next_one()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("bpf-maps");
        var bump = BpfProgram.Load(await BpfBuild.CompileAsync(dir, BpfBuild.SamplePath("maps.c"), "v3", token), function: "bump");
        Assert.Equal(700UL, bump.Run(3, 7));      // counters[3] = 7, counters[2] = 0
        Assert.Equal(ulong.MaxValue, bump.Run(16, 7));
        Assert.Equal(0UL, bump.Run(15, 0));        // 15 ^ 1 = 14 is in range: 0 * 100 + 0
        Assert.Equal(500UL, bump.Run(0x1_0000_0001, 5)); // keys are the low 32 bits: counters[1] = 5, then counters[0]
    }
}
