using BenchmarkDotNet.Attributes;
using Serval.Symbolic;

namespace Serval.Benchmarks;

/// <summary>
/// The concrete fast path: an interpreter-like mix of add, xor, shifts, multiply and compare on 64-bit values,
/// once on <see cref="ulong"/> (the baseline) and once on <see cref="BitVec"/> holding concrete values.
/// </summary>
[BenchmarkCategory("Symbolic")]
[WarmupCount(3)]
[IterationCount(10)]
[MemoryDiagnoser]
public class ConcreteBenchmarks
{
    private const int Steps = 4096;

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public ulong PlainUlong()
    {
        ulong x = 0x9e3779b97f4a7c15, acc = 0;
        for (ulong i = 0; i < Steps; i++)
        {
            x = (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9 + i;
            acc += x < acc ? x << 3 : x;
        }
        return acc;
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public ulong ConcreteBitVec()
    {
        var x = BitVec.Of(0x9e3779b97f4a7c15, 64);
        var acc = BitVec.Of(0UL, 64);
        var multiplier = BitVec.Of(0xbf58476d1ce4e5b9, 64);
        var (shift29, shift3, one) = (BitVec.Of(29UL, 64), BitVec.Of(3UL, 64), BitVec.Of(1UL, 64));
        var i = BitVec.Of(0UL, 64);
        for (var step = 0; step < Steps; step++)
        {
            x = (x ^ (x >>> shift29)) * multiplier + i;
            acc += x.Ult(acc).IsTrue ? x << shift3 : x;
            i += one;
        }
        return acc.Value;
    }
}
