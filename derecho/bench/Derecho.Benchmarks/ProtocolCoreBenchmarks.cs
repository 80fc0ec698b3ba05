using BenchmarkDotNet.Attributes;
using Derecho.Protocol;

namespace Derecho.Benchmarks;

/// <summary>
/// The protocol core's hot path without I/O: three members in one process wired by an in-memory FIFO network;
/// every member multicasts <see cref="PerSender"/> messages (16 at a time) and the network is pumped in rounds
/// until all are ordered and delivered everywhere (encode, decode, rows, stability, round-robin delivery). Reported per message. The
/// baseline copies the same payloads into a queue for each of the three receivers and drains it.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("ProtocolCore")]
public class ProtocolCoreBenchmarks
{
    private const int Members = 3;
    private const int PerSender = 1000;
    private readonly List<MemberOutput> _outputs = [];
    private readonly Queue<(uint From, uint To, ReadOnlyMemory<byte> Body)> _network = new();
    private readonly Queue<byte[]>[] _baselineQueues = [new(), new(), new()];
    private Member[] _members = [];
    private byte[] _payload = [];
    private long _delivered;

    /// <summary>Payload size in bytes.</summary>
    [Params(100, 1000)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[Size];
        Random.Shared.NextBytes(_payload);
        _members = new Member[Members];
        _members[0] = Member.StartGroup(Options(1), TimeProvider.System);
        for (uint id = 2; id <= Members; id++)
        {
            _members[id - 1] = Member.Join(Options(id), "n1", TimeProvider.System);
            Pump(id);
            Run();
        }
        if (_members.Any(m => m.View?.Count != Members))
        {
            throw new InvalidOperationException("the group did not form");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Members * PerSender)]
    public long QueueCopyToEachReceiver()
    {
        long total = 0;
        for (var i = 0; i < Members * PerSender; i++)
        {
            foreach (var queue in _baselineQueues)
            {
                queue.Enqueue(_payload.AsSpan().ToArray());
            }
        }
        foreach (var queue in _baselineQueues)
        {
            while (queue.TryDequeue(out var payload))
            {
                total += payload.Length;
            }
        }
        return total;
    }

    [Benchmark(OperationsPerInvoke = Members * PerSender)]
    public long OrderedAndDeliveredAtThreeMembers()
    {
        var target = _delivered + ((long)Members * PerSender * Members);
        for (var i = 0; i < PerSender; i++)
        {
            for (uint id = 1; id <= Members; id++)
            {
                _members[id - 1].Send(_payload);
            }
            if (i % 16 == 15)
            {
                for (uint id = 1; id <= Members; id++)
                {
                    Pump(id);
                }
                Run();
            }
        }
        for (uint id = 1; id <= Members; id++)
        {
            Pump(id);
        }
        Run();
        if (_delivered != target)
        {
            throw new InvalidOperationException($"delivered {_delivered}, expected {target}");
        }
        return _delivered;
    }

    private static MemberOptions Options(uint id) => new()
    {
        NodeId = id,
        Incarnation = 1,
        Endpoint = $"n{id}",
        WindowSize = 256,
        HeartbeatInterval = TimeSpan.FromHours(1),
        SuspicionTimeout = TimeSpan.FromHours(2),
    };

    private void Pump(uint id)
    {
        _members[id - 1]?.DrainOutputs(_outputs);
        foreach (var output in _outputs)
        {
            switch (output)
            {
                case SendToPeer send:
                    _network.Enqueue((id, send.To ?? uint.Parse(send.Endpoint.AsSpan(1), provider: null), send.WholeBody()));
                    break;
                case Delivery:
                    _delivered++;
                    break;
            }
        }
        _outputs.Clear();
    }

    /// <summary>
    /// Delivers the network's messages in rounds: every member takes all bodies queued for it, then flushes its
    /// outputs once, as a transport does when it reads a buffer of frames (so row pushes coalesce).
    /// </summary>
    private void Run()
    {
        while (_network.Count > 0)
        {
            var round = _network.Count;
            for (var i = 0; i < round; i++)
            {
                var (from, to, body) = _network.Dequeue();
                _members[to - 1].Receive(from, body.Span);
            }
            for (uint id = 1; id <= Members; id++)
            {
                Pump(id);
            }
        }
    }
}
