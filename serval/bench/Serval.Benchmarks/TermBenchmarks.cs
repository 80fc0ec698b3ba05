using BenchmarkDotNet.Attributes;
using Serval.Symbolic;

namespace Serval.Benchmarks;

/// <summary>
/// Terms built per second: a chain of fresh (never seen before) bitvector operations through the hash-consing,
/// simplifying builders, against the same tree built as plain objects without interning or simplification.
/// </summary>
[BenchmarkCategory("Symbolic")]
[WarmupCount(3)]
[IterationCount(10)]
[MemoryDiagnoser]
public class TermBenchmarks
{
    private const int Nodes = 3000;
    private static ulong _salt;
    private readonly Term _x = Term.Var("bench-x", Sort.BitVec(64));
    private readonly Term _y = Term.Var("bench-y", Sort.BitVec(64));

    [Benchmark(Baseline = true, OperationsPerInvoke = Nodes)]
    public object PlainObjects()
    {
        var salt = ++_salt;
        object term = new PlainNode("x", null, null, 0);
        for (var i = 0; i < Nodes / 3; i++)
        {
            var constant = new PlainNode("const", null, null, salt * 7919 + (ulong)i);
            var sum = new PlainNode("bvadd", term, constant, 0);
            term = new PlainNode((i & 1) == 0 ? "bvxor" : "bvmul", sum, new PlainNode("y", null, null, 0), 0);
        }
        return term;
    }

    [Benchmark(OperationsPerInvoke = Nodes)]
    public Term InternedTerms()
    {
        var salt = ++_salt;
        var term = _x;
        for (var i = 0; i < Nodes / 3; i++)
        {
            var constant = Term.BvConst(salt * 7919 + (ulong)i, 64);
            var sum = Term.Add(term, constant);
            term = (i & 1) == 0 ? Term.BvXor(sum, _y) : Term.Mul(sum, _y);
        }
        return term;
    }

    private sealed record PlainNode(string Op, object? Left, object? Right, ulong Value);
}
