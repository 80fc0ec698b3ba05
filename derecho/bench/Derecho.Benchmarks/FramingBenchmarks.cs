using System.Buffers;
using BenchmarkDotNet.Attributes;
using Derecho.Transport;

namespace Derecho.Benchmarks;

/// <summary>
/// The transport's hot path: framing a payload (header + CRC-32) into a buffer writer and reading it back, against
/// copying the same bytes without framing (the baseline).
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Transport")]
public class FramingBenchmarks
{
    private const int FramesPerBatch = 64;
    private readonly ArrayBufferWriter<byte> _writer = new(1 << 24);
    private byte[] _payload = [];

    [Params(100, 1024, 65536)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[Size];
        Random.Shared.NextBytes(_payload);
    }

    [Benchmark(Baseline = true)]
    public int CopyOnly()
    {
        _writer.ResetWrittenCount();
        for (var i = 0; i < FramesPerBatch; i++)
        {
            _payload.CopyTo(_writer.GetSpan(Size));
            _writer.Advance(Size);
        }
        return _writer.WrittenCount;
    }

    [Benchmark]
    public int FrameAndParse()
    {
        _writer.ResetWrittenCount();
        for (var i = 0; i < FramesPerBatch; i++)
        {
            Frame.Write(_writer, FrameType.Protocol, _payload);
        }
        var buffer = new ReadOnlySequence<byte>(_writer.WrittenMemory);
        var total = 0;
        while (Frame.TryRead(ref buffer, 1 << 20, out _, out var payload))
        {
            total += (int)payload.Length;
        }
        return total;
    }
}
