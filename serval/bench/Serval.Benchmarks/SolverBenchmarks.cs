using BenchmarkDotNet.Attributes;
using Serval.Smt;
using Serval.Symbolic;

namespace Serval.Benchmarks;

/// <summary>
/// A small query's round trip through a warm solver process (reset, declare, assert, check, get-value) against
/// starting a fresh process for the same query (the baseline: what a solver per query costs).
/// </summary>
[BenchmarkCategory("Solver")]
[WarmupCount(1)]
[IterationCount(5)]
public class RoundTripBenchmarks
{
    private readonly ISolver _warmZ3 = SolverPool.Create("z3");
    private readonly ISolver _warmCvc5 = SolverPool.Create("cvc5");
    private readonly ISolver _boolector = SolverPool.Create("boolector");
    private Term[] _query = [];

    [GlobalSetup]
    public void Setup()
    {
        var x = BitVec.Var("rt-x", 32);
        _query = [((x * BitVec.Of(3UL, 32)) == BitVec.Of(21UL, 32)).ToTerm()];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _warmZ3.Dispose();
        _warmCvc5.Dispose();
        _boolector.Dispose();
    }

    [Benchmark(Baseline = true)]
    public SolverStatus FreshZ3Process()
    {
        using var solver = SolverPool.Create("z3");
        return solver.Check(_query).Status;
    }

    [Benchmark]
    public SolverStatus WarmZ3() => _warmZ3.Check(_query).Status;

    [Benchmark]
    public SolverStatus WarmCvc5() => _warmCvc5.Check(_query).Status;

    [Benchmark]
    public SolverStatus BoolectorPerQuery() => _boolector.Check(_query).Status;
}

/// <summary>
/// A corpus of verification queries (identities with multiplication, division, shifts; a memory with an
/// uninterpreted function) answered by each solver alone and by the portfolio racing all three; z3 is the baseline.
/// </summary>
[BenchmarkCategory("Solver")]
[WarmupCount(1)]
[IterationCount(5)]
public class PortfolioBenchmarks
{
    private readonly Dictionary<string, ISolver> _solvers = [];
    private List<Term[]> _corpus = [];

    [Params("z3", "cvc5", "boolector", "portfolio")]
    public string Solver { get; set; } = "z3";

    [GlobalSetup]
    public void Setup()
    {
        _solvers[Solver] = SolverPool.Create(Solver);
        _corpus = VerificationCorpus.Create();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var solver in _solvers.Values)
        {
            solver.Dispose();
        }
    }

    [Benchmark]
    public int Corpus()
    {
        var answered = 0;
        foreach (var query in _corpus)
        {
            if (_solvers[Solver].Check(query, TimeSpan.FromSeconds(20)).Status != SolverStatus.Unknown)
            {
                answered++;
            }
        }
        return answered;
    }
}

/// <summary>Negated verification conditions of the kind an interpreter produces.</summary>
public static class VerificationCorpus
{
    public static List<Term[]> Create()
    {
        var x = BitVec.Var("vc-x", 32);
        var y = BitVec.Var("vc-y", 32);
        var b = BitVec.Var("vc-b", 8);
        var c = BitVec.Var("vc-c", 8);
        var memory = Function.BitVecMap("vc-mem", 32, 32);
        var claims = new[]
        {
            ((x ^ y) + ((x & y) << 1)) == x + y,
            (x + y) >>> 1 == (x & y) + ((x ^ y) >>> 1),
            b.UDiv(c) * c + b.URem(c) == b,
            (x * BitVec.Of(5UL, 32)) == (x << 2) + x,
            x.SignExtend(32).Extract(31, 0) == x,
            x.RotateLeft(y).RotateRight(y) == x,
            memory.Apply(x) == memory.Apply(y) | x != y,
            (x - y).Ult(x) | y == BitVec.Of(0UL, 32) | y.Ugt(x),
        };
        return [.. claims.Select(claim => new[] { (!claim).ToTerm() })];
    }
}
