// Durable-write load for an etcd cluster over its gRPC API: keeps N puts in flight for a number of seconds and prints
// writes/s with latency p50/p99. etcd fsyncs its write-ahead log before acknowledging a put, as Derecho's persistent
// mode does. Usage: EtcdLoad ENDPOINTS INFLIGHT SIZE SECONDS LABEL
using System.Diagnostics;
using System.Globalization;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

var (endpoints, inflight, size, seconds, label) =
    (args[0], int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture),
     double.Parse(args[3], CultureInfo.InvariantCulture), args[4]);
using var client = new EtcdClient(endpoints);
var value = new byte[size];
new Random(1).NextBytes(value);
var payload = ByteString.CopyFrom(value);
var latencies = new List<double>[inflight];
long failed = 0;
var stopwatch = Stopwatch.StartNew();
var deadline = TimeSpan.FromSeconds(seconds);
await Task.WhenAll(Enumerable.Range(0, inflight).Select(async worker =>
{
    var mine = latencies[worker] = [];
    var key = ByteString.CopyFromUtf8($"/derecho-bench/k{worker}");
    while (stopwatch.Elapsed < deadline)
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
var all = latencies.SelectMany(l => l).Order().ToArray();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{label} inflight={inflight} size={size} writes/s={all.Length / elapsed:F0} p50_ms={all[all.Length / 2]:F2} p99_ms={all[(int)(all.Length * 0.99)]:F2} writes={all.Length} failed={failed}"));
