using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.IO.Hashing;
using Derecho.Configuration;
using Derecho.Membership;
using Microsoft.Extensions.Logging;
using Systems.Cli;

namespace Derecho.Cli;

/// <summary>
/// <c>derecho node</c>: runs one member. Prints every installed view as <c>view VID members ID,… leader ID</c>, and
/// before it the digest of what this member delivered in the view that ended (<c>digest VID COUNT HASH</c>), so
/// that survivors can be compared line by line. Optionally streams messages (<c>--send</c>) and measures
/// (<c>--duration</c>). A line <c>leave</c> on standard input leaves gracefully.
/// </summary>
internal static class NodeCommand
{
    public static Command Create(IReadOnlyList<ConfigurationEntry> overrides)
    {
        var config = new Option<string?>("--config") { Description = "The group configuration file (derecho.cfg); default: $DERECHO_CONF_FILE or ./derecho.cfg." };
        var nodeConfig = new Option<string?>("--node-config") { Description = "The node configuration file (derecho_node.cfg); its keys win over --config's." };
        var send = new Option<long>("--send") { Description = "Messages to multicast (-1: until stopped).", DefaultValueFactory = _ => 0 };
        var size = new Option<int>("--size") { Description = "Payload size in bytes of each message sent.", DefaultValueFactory = _ => 64 };
        var window = new Option<int>("--window") { Description = "Sends in flight at once.", DefaultValueFactory = _ => 64 };
        var waitMembers = new Option<int>("--wait-members") { Description = "Start sending once a view has this many members.", DefaultValueFactory = _ => 1 };
        var duration = new Option<double>("--duration") { Description = "Measure for this many seconds after --wait-members is reached, print a 'result' line, stop sending, and exit when standard input closes.", DefaultValueFactory = _ => 0 };
        var warmup = new Option<double>("--warmup") { Description = "With --duration: send for this many seconds before measuring (the code is compiled and buffers are pooled by then).", DefaultValueFactory = _ => 0 };
        var rate = new Option<double>("--rate") { Description = "Messages per second this member sends at most (0: as fast as the window allows).", DefaultValueFactory = _ => 0 };
        var reportEvery = new Option<long>("--report-every") { Description = "Print 'delivered N' after every N deliveries (0: never).", DefaultValueFactory = _ => 0 };
        var verbose = new Option<bool>("--verbose") { Description = "Log protocol events on standard error." };
        var viewFile = new Option<string?>("--view-file") { Description = "Record every installed view's members in FILE; a restarted contact rejoins the members found there instead of starting a new group." };
        var command = new Command("node", "Run one member of a group; the member whose gms endpoint is the contact starts it. Derecho's --SECTION/key=value overrides are accepted.")
        {
            config, nodeConfig, send, size, window, rate, waitMembers, duration, warmup, reportEvery, verbose, viewFile,
        };
        command.SetAction(async (parse, ct) =>
        {
            LoadedConfiguration loaded;
            try
            {
                loaded = DerechoConfiguration.Load(parse.GetValue(config), parse.GetValue(nodeConfig), overrides);
            }
            catch (ConfigurationException e)
            {
                throw new UsageException(e.Message, e);
            }
            foreach (var warning in loaded.Warnings)
            {
                await Console.Error.WriteLineAsync($"derecho: warning: {warning}");
            }
            var options = parse.GetValue(viewFile) is { } path ? loaded.Options with { ViewFile = Path.GetFullPath(path) } : loaded.Options;
            // The send loop's continuations only record a latency and free a slot: they may run on the event loop, and
            // the loop holds no lock when it sends. Deliveries are hashed inside the callback: large ones may be lent.
            options = options with { InlineSendCompletions = true, SendOnCallingThread = true, ReuseLargeMessageBuffers = true };
            var run = new NodeRun(options, parse.GetValue(send), parse.GetValue(size), parse.GetValue(window), parse.GetValue(rate),
                parse.GetValue(waitMembers), TimeSpan.FromSeconds(parse.GetValue(duration)), TimeSpan.FromSeconds(parse.GetValue(warmup)),
                parse.GetValue(reportEvery), parse.GetValue(verbose));
            return await run.RunAsync(ct);
        });
        return command;
    }

    private sealed class NodeRun(GroupOptions options, long sendCount, int size, int window, double rate, int waitMembers, TimeSpan duration, TimeSpan warmup,
        long reportEvery, bool verbose)
    {
        private readonly XxHash3 _viewDigest = new();
        private readonly TaskCompletionSource _enoughMembers = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<long> _latencies = [];
        private int _digestView = -1;
        private long _viewCount;
        private long _delivered;
        private long _windowStart = long.MaxValue;
        private long _windowEnd = long.MaxValue;
        private long _deliveredInWindow;

        public async Task<int> RunAsync(CancellationToken ct)
        {
            if (size < 16 || size > options.MaxPayloadSize)
            {
                throw new UsageException($"--size must be between 16 and max_payload_size ({options.MaxPayloadSize}), not {size}");
            }
            using var loggers = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => o.SingleLine = true)
                .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning)
                .AddFilter("Microsoft", LogLevel.Warning));
            var handlers = new GroupHandlers { Delivered = OnDelivered, ViewInstalled = OnViewInstalled, LoggerFactory = loggers };
            await using var group = await JoinNotice.JoinAsync(token => Group.JoinAsync(options, handlers, token), options, ct);
            var stdin = ReadCommandsAsync(group);
            using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var sending = Task.CompletedTask;
            if (sendCount != 0)
            {
                sending = SendLoopAsync(group, stopSending.Token);
            }
            if (duration > TimeSpan.Zero)
            {
                await _enoughMembers.Task.WaitAsync(ct);
                await Task.Delay(warmup + duration, ct);
                Interlocked.Exchange(ref _windowEnd, Stopwatch.GetTimestamp());
                await stopSending.CancelAsync();
                PrintResult();
                await stdin; // the benchmark closes standard input once every member has reported
                return ExitCode.Success;
            }
            return await JoinNotice.WaitForStopAsync(group, ct);
        }

        /// <summary>
        /// Reads commands from standard input on a thread of its own (console reads block, and a blocked pool thread
        /// starves the member's event loop on a 2-core machine); completes at the end of the input.
        /// </summary>
        private static Task ReadCommandsAsync(Group group)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                using var input = new StreamReader(Console.OpenStandardInput());
                while (input.ReadLine() is { } line)
                {
                    if (line.Trim() == "leave")
                    {
                        _ = group.LeaveAsync();
                    }
                }
                done.TrySetResult();
            })
            {
                IsBackground = true,
                Name = "derecho stdin",
            };
            thread.Start();
            return done.Task;
        }

        /// <summary>
        /// Sends until <paramref name="ct"/> is cancelled (or <c>--send</c> messages are sent), <c>--window</c> at a
        /// time: each completion, which runs on the member's event loop (inline completions), sends the next message
        /// from there, so it leaves in the loop's next round without waking another thread.
        /// </summary>
        private async Task SendLoopAsync(Group group, CancellationToken ct)
        {
            try
            {
                await _enoughMembers.Task.WaitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var sender = new Sender(this, group, options.LocalId, size, window, rate, sendCount, ct);
            sender.Pump();
            await sender.Done;
        }

        private void OnDelivered(DeliveredMessage message)
        {
            _delivered++;
            _viewCount++;
            if (reportEvery > 0 && _delivered % reportEvery == 0)
            {
                Console.Out.WriteLine($"delivered {_delivered}");
            }
            // The digest runs over (sender, index, hash of the payload) records: a payload is hashed in one pass, not streamed.
            Span<byte> record = stackalloc byte[20];
            BinaryPrimitives.WriteUInt32LittleEndian(record, message.Sender);
            BinaryPrimitives.WriteInt64LittleEndian(record[4..], message.Index);
            BinaryPrimitives.WriteUInt64LittleEndian(record[12..], XxHash3.HashToUInt64(message.Payload.Span));
            _viewDigest.Append(record);
            var now = Stopwatch.GetTimestamp();
            if (now >= _windowStart && now <= Interlocked.Read(ref _windowEnd))
            {
                _deliveredInWindow++;
            }
        }

        private void OnViewInstalled(View view)
        {
            if (_digestView >= 0)
            {
                Console.Out.WriteLine($"digest {_digestView} {_viewCount} {_viewDigest.GetCurrentHashAsUInt64():x16}");
            }
            _digestView = view.Id;
            _viewCount = 0;
            _viewDigest.Reset();
            Console.Out.WriteLine(view.ToString());
            if (view.Count >= waitMembers && !_enoughMembers.Task.IsCompleted)
            {
                Interlocked.Exchange(ref _windowStart, Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * Stopwatch.Frequency));
                _enoughMembers.TrySetResult();
            }
        }

        private void RecordLatency(long start, long end)
        {
            if (start >= Interlocked.Read(ref _windowStart) && end <= Interlocked.Read(ref _windowEnd))
            {
                lock (_latencies)
                {
                    _latencies.Add(end - start);
                }
            }
        }

        private void PrintResult()
        {
            var seconds = Stopwatch.GetElapsedTime(_windowStart, _windowEnd).TotalSeconds;
            long[] sorted;
            lock (_latencies)
            {
                sorted = [.. _latencies.Order()];
            }
            double Micros(double q) => sorted.Length == 0 ? 0 : Stopwatch.GetElapsedTime(0, sorted[(int)Math.Min(sorted.Length - 1, q * sorted.Length)]).TotalMicroseconds;
            Console.Out.WriteLine(FormattableString.Invariant(
                $"result node {options.LocalId} delivered {Interlocked.Read(ref _deliveredInWindow)} seconds {seconds:F3} sent {sorted.Length} p50us {Micros(0.5):F0} p99us {Micros(0.99):F0} maxus {Micros(1.0):F0}"));
        }

        /// <summary>The send loop: keeps <c>--window</c> sends in flight, at <c>--rate</c> at most, reusing payloads once sent.</summary>
        private sealed class Sender(NodeRun run, Group group, uint localId, int size, int window, double rate, long count, CancellationToken ct)
        {
            private readonly Lock _gate = new();
            private readonly Stack<byte[]> _payloads = new();
            private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
            private readonly long _started = Stopwatch.GetTimestamp();
            private long _next;
            private int _inFlight;
            private bool _waiting;

            /// <summary>Completes once sending stopped and no send is in flight.</summary>
#pragma warning disable VSTHRD003 // Completed by the sends' continuations; awaiting it cannot deadlock.
            public Task Done => _done.Task;
#pragma warning restore VSTHRD003

            /// <summary>Starts sends until the window is full; called again by every completion (the lock is reentrant).</summary>
            public void Pump()
            {
                lock (_gate)
                {
                    while (!_waiting && _inFlight < window && !ct.IsCancellationRequested && (count < 0 || _next < count))
                    {
                        var ahead = rate > 0 ? TimeSpan.FromSeconds(_next / rate) - Stopwatch.GetElapsedTime(_started) : TimeSpan.Zero;
                        if (ahead > TimeSpan.Zero)
                        {
                            _waiting = true;
                            _ = PumpLaterAsync(ahead);
                            break;
                        }
                        // A payload is used again once its send completed: a fresh one per send costs page faults and zeroing.
                        var payload = _payloads.TryPop(out var reused) ? reused : new byte[size];
                        BinaryPrimitives.WriteUInt32LittleEndian(payload, localId);
                        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(4), _next++);
                        _inFlight++;
                        _ = SendOneAsync(payload);
                    }
                    if (_inFlight == 0 && !_waiting)
                    {
                        _done.TrySetResult();
                    }
                }
            }

            private async Task PumpLaterAsync(TimeSpan delay)
            {
                try
                {
                    await Task.Delay(delay, ct);
                }
                catch (OperationCanceledException)
                {
                }
                lock (_gate)
                {
                    _waiting = false;
                }
                Pump();
            }

            private async Task SendOneAsync(byte[] payload)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await group.SendAsync(payload);
                    run.RecordLatency(start, Stopwatch.GetTimestamp());
                }
                catch (GroupStoppedException)
                {
                }
                finally
                {
                    lock (_gate)
                    {
                        _payloads.Push(payload);
                        _inFlight--;
                    }
                }
                Pump();
            }
        }
    }
}
