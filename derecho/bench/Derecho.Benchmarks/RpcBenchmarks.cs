using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Derecho.Kv;
using Derecho.Rpc;

namespace Derecho.Benchmarks;

/// <summary>
/// The RPC layer's own cost, in one process: a one-member group of the key-value store (no peer to wait for, so
/// what is measured is the calling, ordering, dispatch and reply path of this process). Each invocation makes
/// <see cref="Calls"/> calls with <see cref="InFlight"/> in flight and 1 KB values, reported per call. The baseline
/// multicasts the same number of 1 KB raw messages through the same group, as many in flight: the ratio is what
/// an ordered put costs beyond its multicast. <see cref="DispatchPut"/> is the generated dispatch alone (decode the
/// arguments, run <see cref="KvStore.Put"/>, encode the result).
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Rpc")]
public class RpcBenchmarks
{
    private const int Calls = 4096;
    private const int InFlight = 64;
    private const int ValueSize = 1024;
    private readonly string[] _keys = [.. Enumerable.Range(0, 256).Select(i => $"key-{i}")];
    private readonly byte[] _value = new byte[ValueSize];
    private ReplicatedGroup _group = null!;
    private IReplicatedObject _store = null!;
    private ReadOnlyMemory<byte> _putArguments;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        Random.Shared.NextBytes(_value);
        var port = FreePort();
        var options = new GroupOptions { LocalId = 0, GmsPort = port, SstPort = 0, ContactPort = port };
        _group = await ReplicatedGroup.JoinAsync(options, null, [ReplicatedType.Of(context => new KvStore(context))]);
        await _group.WaitForAdequateViewAsync().WaitAsync(TimeSpan.FromSeconds(30));
        _store = new KvStore();
        _putArguments = MessagePack.MessagePackSerializer.Serialize<object[]>([_keys[0], _value], RpcSerializer.Options);
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _group.DisposeAsync();

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public Task RawMulticast() => RunAsync(_ => _group.Group.SendAsync(_value));

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task OrderedPut()
    {
        var calls = new KvStore.OrderedCalls(_group);
        return RunAsync(i => calls.Put(_keys[i % _keys.Length], _value).GetAllAsync());
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task P2PGet()
    {
        var calls = new KvStore.P2PCalls(_group, _group.NodeId);
        return RunAsync(i => calls.GetAsync(_keys[i % _keys.Length]));
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public async Task DispatchPut()
    {
        for (var i = 0; i < Calls; i++)
        {
            await _store.InvokeAsync(KvStore.MethodIds.Put, _putArguments, ordered: true);
        }
    }

    /// <summary>Makes <see cref="Calls"/> calls, <see cref="InFlight"/> at a time, each lane starting its next call once its last completed.</summary>
    private static Task RunAsync(Func<int, Task> call)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, InFlight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Calls)
            {
                await call(i).ConfigureAwait(false);
            }
        }));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
