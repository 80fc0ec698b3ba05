// Durable-write load for an etcd cluster over its gRPC API: keeps N puts in flight for a number of seconds and prints
// writes/s with latency p50/p99. etcd fsyncs its write-ahead log before acknowledging a put, as Derecho's persistent
// mode does. The puts go over several gRPC connections (one client per 16 in flight, at most 16, as etcd's own
// benchmark spreads its clients over connections), after a warm-up second that is not measured (a fresh process
// compiles its gRPC path first). Usage: EtcdLoad ENDPOINTS INFLIGHT SIZE SECONDS LABEL
using System.Diagnostics;
using System.Globalization;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

var (endpoints, inflight, size, seconds, label) =
    (args[0], int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture),
     double.Parse(args[3], CultureInfo.InvariantCulture), args[4]);
var clients = Enumerable.Range(0, Math.Clamp(inflight / 16, 1, 16)).Select(_ => new EtcdClient(endpoints)).ToArray();
var value = new byte[size];
new Random(1).NextBytes(value);
var payload = ByteString.CopyFrom(value);
await RunAsync(TimeSpan.FromSeconds(Math.Min(1, seconds)), measure: false);
var (writes, elapsed, failed, all) = await RunAsync(TimeSpan.FromSeconds(seconds), measure: true);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{label} inflight={inflight} size={size} writes/s={writes / elapsed:F0} p50_ms={all[all.Length / 2]:F2} p99_ms={all[(int)(all.Length * 0.99)]:F2} writes={writes} failed={failed} connections={clients.Length}"));
foreach (var client in clients)
{
    client.Dispose();
}

// Keeps INFLIGHT puts going for DURATION, lane i on client i mod clients; returns the writes, the time, the failures
// and the sorted latencies (ms).
async Task<(long Writes, double Elapsed, long Failed, double[] Latencies)> RunAsync(TimeSpan duration, bool measure)
{
    var latencies = new List<double>[inflight];
    long failed = 0;
    var stopwatch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, inflight).Select(async lane =>
    {
        var mine = latencies[lane] = [];
        var client = clients[lane % clients.Length];
        var key = ByteString.CopyFromUtf8($"/derecho-bench/k{lane}");
        while (stopwatch.Elapsed < duration)
        {
            var sent = stopwatch.Elapsed;
            try
            {
                await client.PutAsync(new PutRequest { Key = key, Value = payload });
                mine.Add((stopwatch.Elapsed - sent).TotalMilliseconds);
            }
            catch (Exception e) when (e is Grpc.Core.RpcException)
            {
                Interlocked.Increment(ref failed);
            }
        }
    }));
    var elapsed = stopwatch.Elapsed.TotalSeconds;
    var all = measure ? latencies.SelectMany(l => l).Order().ToArray() : [];
    return (all.Length, elapsed, failed, all);
}
