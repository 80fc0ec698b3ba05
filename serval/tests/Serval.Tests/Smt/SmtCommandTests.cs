namespace Serval.Tests.Smt;

[Integration]
public sealed class SmtCommandTests
{
    [Theory(Timeout = 60_000)]
    [InlineData("z3")]
    [InlineData("cvc5")]
    [InlineData("boolector")]
    [InlineData("portfolio")]
    public async Task Prints_answers_models_and_values_as_solvers_do_and_exits_zero(string solver)
    {
        using var directory = new TempDirectory("serval-smt");
        var path = directory.Combine("query.smt2");
        await File.WriteAllTextAsync(path, """
            (set-logic QF_BV)
            (declare-const x (_ BitVec 8))
            (declare-fun b () Bool)
            (assert (= (bvmul x #x03) #x0f))
            (assert b)
            (check-sat)
            (get-model)
            (get-value ((bvadd x #x01)))
            (push 1)
            (assert (= x #x06))
            (check-sat)
            (pop 1)
            (exit)
            """, TestContext.Current.CancellationToken);
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Serval.Cli", ["smt", path, "--solver", solver, "--timeout", "20"],
            TestContext.Current.CancellationToken);
        Assert.True(code == 0, stderr);
        Assert.Equal(["sat", "(", "(define-fun x () (_ BitVec 8) #x05)", "(define-fun b () Bool true)", ")", "(((bvadd x #x01) #x06))", "unsat"],
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact(Timeout = 60_000)]
    public async Task Exits_3_on_unknown_and_2_on_an_unreadable_file()
    {
        using var directory = new TempDirectory("serval-smt");
        var hard = directory.Combine("hard.smt2");
        await File.WriteAllTextAsync(hard, """
            (declare-const x (_ BitVec 32)) (declare-const y (_ BitVec 32))
            (assert (not (= x (bvadd (bvmul (bvudiv x y) y) (bvurem x y)))))
            (check-sat)
            """, TestContext.Current.CancellationToken);
        var slow = await ChildProcess.RunDotnetAsync("Serval.Cli", ["smt", hard, "--timeout", "0.3"], TestContext.Current.CancellationToken);
        Assert.Equal(3, slow.ExitCode);
        Assert.Equal("unknown", slow.Stdout.Trim());
        Assert.Contains("timeout", slow.Stderr, StringComparison.Ordinal);

        var bad = directory.Combine("bad.smt2");
        await File.WriteAllTextAsync(bad, "(declare-const x (_ BitVec 8))\n(assert (= x #x00))\n(assert (bvfoo x))\n", TestContext.Current.CancellationToken);
        var unreadable = await ChildProcess.RunDotnetAsync("Serval.Cli", ["smt", bad], TestContext.Current.CancellationToken);
        Assert.Equal(2, unreadable.ExitCode);
        Assert.Contains("line 3", unreadable.Stderr, StringComparison.Ordinal);
        Assert.Contains("bvfoo", unreadable.Stderr, StringComparison.Ordinal);

        var missing = await ChildProcess.RunDotnetAsync("Serval.Cli", ["smt", directory.Combine("none.smt2")], TestContext.Current.CancellationToken);
        Assert.Equal(2, missing.ExitCode);

        var folder = await ChildProcess.RunDotnetAsync("Serval.Cli", ["smt", directory.Path], TestContext.Current.CancellationToken);
        Assert.Equal(2, folder.ExitCode);
        Assert.Contains("is a directory", folder.Stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task The_demo_runs_the_core_tour()
    {
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Serval.Cli", ["demo"], TestContext.Current.CancellationToken,
            RepositoryPaths.Root);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("counterexample", stdout, StringComparison.Ordinal);
        Assert.Contains("Proved", stdout, StringComparison.Ordinal);
    }
}
