using Serval.Smt;
using Serval.Symbolic;

namespace Serval.Tests.Smt;

[Integration]
public sealed class SolverTests
{
    public static TheoryData<string, string> CorpusBySolver()
    {
        var data = new TheoryData<string, string>();
        foreach (var solver in new[] { "z3", "cvc5", "boolector" })
        {
            foreach (var (name, _, _) in Corpus.Queries)
            {
                data.Add(solver, name);
            }
        }
        return data;
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(CorpusBySolver))]
    public void Every_solver_gives_the_expected_answer_on_the_corpus(string solverName, string query)
    {
        var (_, script, expected) = Corpus.Queries.Single(q => q.Name == query);
        Assert.Equal(expected, Answers(solverName, script, TestContext.Current.CancellationToken));
    }

    [Theory(Timeout = 30_000)]
    [InlineData("z3")]
    [InlineData("cvc5")]
    public void Quantified_queries_are_decided_by_z3_and_cvc5(string solverName)
    {
        foreach (var (_, script, expected) in Corpus.Quantified)
        {
            Assert.Equal(expected, Answers(solverName, script, TestContext.Current.CancellationToken));
        }
    }

    [Fact(Timeout = 30_000)]
    public void Boolector_answers_unknown_to_quantifiers_and_the_portfolio_routes_them_elsewhere()
    {
        using var boolector = SolverPool.Create("boolector");
        var y = Term.Fresh("y", Sort.BitVec(8));
        var x = Term.Fresh("x", Sort.BitVec(8));
        var query = Term.ForAll([y], Term.Eq(Term.BvAnd(x, y), y));
        var result = boolector.Check([query], null, TestContext.Current.CancellationToken);
        Assert.Equal(SolverStatus.Unknown, result.Status);
        Assert.Contains("quantifiers", result.Reason, StringComparison.Ordinal);

        using var portfolio = SolverPool.Create("portfolio");
        var raced = portfolio.Check([query], TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(SolverStatus.Sat, raced.Status);
        Assert.Equal(0xffUL, raced.Model!.Evaluate(BitVec.FromTerm(x)).Value);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("z3")]
    [InlineData("cvc5")]
    [InlineData("boolector")]
    public void Models_include_function_values_that_satisfy_the_query(string solverName)
    {
        using var solver = SolverPool.Create(solverName);
        var memory = Function.BitVecMap("memory", 32, 8);
        var (p, q) = (BitVec.Fresh("p", 32), BitVec.Fresh("q", 32));
        var constraint = (memory.Apply(p) == BitVec.Of(0x11UL, 8)) & (memory.Apply(q) == BitVec.Of(0x22UL, 8))
            & (memory.Apply(p + BitVec.Of(1UL, 32)) == memory.Apply(q));
        var result = Sym.Solve(constraint, new VerifyOptions { Solver = solver, Timeout = TimeSpan.FromSeconds(20) }, TestContext.Current.CancellationToken);
        Assert.Equal(SolverStatus.Sat, result.Status);
        Assert.True(result.Model!.Evaluate(constraint).IsTrue, result.Model.ToString());
        Assert.NotEqual(result.Model.Evaluate(p).Value, result.Model.Evaluate(q).Value);
    }

    [Fact(Timeout = 30_000)]
    public void A_timeout_gives_unknown_and_the_solver_keeps_working()
    {
        using var solver = SolverPool.Create("z3");
        var (x, y) = (BitVec.Fresh("x", 32), BitVec.Fresh("y", 32));
        var hard = x.UDiv(y) * y + x.URem(y) == x;
        var slow = Sym.Verify(hard, new VerifyOptions { Solver = solver, Timeout = TimeSpan.FromMilliseconds(300) }, TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Unknown, slow.Outcome);
        Assert.Contains("timeout", slow.Reason, StringComparison.Ordinal);
        var easy = Sym.Verify(x + y == y + x, new VerifyOptions { Solver = solver }, TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Proved, easy.Outcome);
    }

    [Fact(Timeout = 30_000)]
    public void Cancellation_gives_unknown()
    {
        using var solver = SolverPool.Create("cvc5");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
        var (x, y) = (BitVec.Fresh("x", 32), BitVec.Fresh("y", 32));
        var result = Sym.Verify(x.UDiv(y) * y + x.URem(y) == x, new VerifyOptions { Solver = solver }, cancel.Token);
        Assert.Equal(VerifyOutcome.Unknown, result.Outcome);
        Assert.Equal("cancelled", result.Reason);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("echo 'hello world'", "unexpected output: hello")]
    [InlineData("echo 'boom' >&2; exit 3", "boom")]
    [InlineData("echo '(error \"no such logic\")'", "solver error: no such logic")]
    [InlineData("echo sat; echo '((x$1 #xZZ))'", "garbage")]
    public void A_broken_solver_gives_unknown_with_the_reason(string behaviour, string reason)
    {
        using var directory = new TempDirectory("serval-fake-solver");
        var path = directory.Combine("fake-solver");
        File.WriteAllText(path, $"#!/bin/sh\nread line\n{behaviour}\nsleep 5\n");
        MakeExecutable(path);
        using var solver = new InteractiveSolver(new SolverCommand("fake", path, [], SmtDialect.Standard, null));
        var x = BitVec.Fresh("x", 8);
        var result = Sym.Verify(x + BitVec.Of(1UL, 8) != x, new VerifyOptions { Solver = solver, Timeout = TimeSpan.FromSeconds(10) },
            TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Unknown, result.Outcome);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public void A_missing_solver_gives_unknown_naming_it()
    {
        using var solver = new InteractiveSolver(new SolverCommand("nope", "/nonexistent/solver", [], SmtDialect.Standard, null));
        var result = solver.Check([Term.Var("missing", Sort.Bool)], null, TestContext.Current.CancellationToken);
        Assert.Equal(SolverStatus.Unknown, result.Status);
        Assert.Contains("/nonexistent/solver", result.Reason, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_dumped_query_reproduces_the_answer_in_the_solver()
    {
        using var directory = new TempDirectory("serval-dump");
        var path = directory.Combine("query.smt2");
        var x = BitVec.Fresh("x", 16);
        var f = Function.BitVecMap("f", 16, 16);
        var shared = f.Apply(x * x);
        var claim = shared + shared == shared << 1;
        var result = Sym.Verify(claim, new VerifyOptions { DumpPath = path }, TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Proved, result.Outcome);
        var text = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.Contains("(check-sat)", text, StringComparison.Ordinal);
        var replay = await ChildProcess.RunAsync("z3", [path], TestContext.Current.CancellationToken);
        Assert.StartsWith("unsat", replay.Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public void The_portfolio_takes_a_definite_answer_past_a_broken_member()
    {
        using var directory = new TempDirectory("serval-fake-solver");
        var path = directory.Combine("fake-solver");
        File.WriteAllText(path, "#!/bin/sh\nread line\necho garbage\n");
        MakeExecutable(path);
        using var portfolio = new PortfolioSolver([new InteractiveSolver(new SolverCommand("fake", path, [], SmtDialect.Standard, null)), SolverPool.Create("z3")]);
        var x = BitVec.Fresh("x", 8);
        var result = Sym.Verify(x * BitVec.Of(2UL, 8) == x << 1, new VerifyOptions { Solver = portfolio }, TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Proved, result.Outcome);
        Assert.Equal("portfolio/z3", result.Solver!.Solver);
    }

    private static void MakeExecutable(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static string Answers(string solverName, string script, CancellationToken cancellationToken)
    {
        using var solver = SolverPool.Create(solverName);
        var output = new StringWriter();
        SmtScript.Parse(script).Run(solver, output, TimeSpan.FromSeconds(20), cancellationToken);
        return string.Join(" ", output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l is "sat" or "unsat" or "unknown"));
    }
}
