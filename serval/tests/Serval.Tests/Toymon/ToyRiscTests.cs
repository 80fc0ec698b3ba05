using Serval.Symbolic;
using Serval.Verification;

namespace Serval.Tests.Toymon;

public sealed class ToyRiscTests
{
    [Fact]
    public void The_sign_program_refines_its_specification()
    {
        var (lines, outcome) = ToyRisc.Verify(ToyRisc.SignProgram, null, TestContext.Current.CancellationToken);
        Assert.True(outcome == VerifyOutcome.Proved, string.Join('\n', lines));
    }

    [Theory]
    [InlineData(4, -2L)]
    [InlineData(1, 3L)]
    public void Mutated_programs_are_refuted_with_a_replayed_state(int index, long immediate)
    {
        var program = ToyRisc.SignProgram.ToArray();
        program[index] = program[index] with { Imm = immediate };
        var (lines, outcome) = ToyRisc.Verify(program, null, TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Counterexample, outcome);
        Assert.Contains(lines, l => l.Contains("initial a0 = ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_interpreter_runs_concretely_too()
    {
        foreach (var (input, expected) in new[] { (-5L, -1L), (0L, 0L), (7L, 1L) })
        {
            var outcome = ToyRisc.Run(ToyRisc.SignProgram, new ToyState(0, BitVec.Of((ulong)input, 64), BitVec.Of(0, 64)));
            Assert.Equal(expected, Assert.Single(outcome.Finals).State.A0.SignedValue);
        }
    }
}
