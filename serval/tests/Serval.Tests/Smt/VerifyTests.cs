using Serval.Smt;
using Serval.Symbolic;

namespace Serval.Tests.Smt;

[Integration]
public sealed class VerifyTests
{
    [Theory(Timeout = 30_000)]
    [InlineData("z3")]
    [InlineData("cvc5")]
    [InlineData("boolector")]
    public void True_identity_is_proved(string solverName)
    {
        using var solver = SolverPool.Create(solverName);
        var x = BitVec.Fresh("x", 32);
        var y = BitVec.Fresh("y", 32);
        // (x ^ y) + 2(x & y) == x + y
        var claim = ((x ^ y) + ((x & y) << 1)) == x + y;
        var result = Sym.Verify(claim, new VerifyOptions { Solver = solver }, TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Proved, result.Outcome);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("z3")]
    [InlineData("cvc5")]
    [InlineData("boolector")]
    public void False_identity_is_refuted_with_a_counterexample_that_evaluates_false(string solverName)
    {
        using var solver = SolverPool.Create(solverName);
        var x = BitVec.Fresh("x", 16);
        var y = BitVec.Fresh("y", 16);
        var claim = (x | y) == x + y;
        var result = Sym.Verify(claim, new VerifyOptions { Solver = solver }, TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Counterexample, result.Outcome);
        var model = result.Model!;
        var (xv, yv) = (model.Evaluate(x).Value, model.Evaluate(y).Value);
        Assert.NotEqual((xv | yv) & 0xffff, (xv + yv) & 0xffff);
        Assert.True(model.Evaluate(claim).IsFalse);
        Assert.Single(result.Violated);
    }
}
