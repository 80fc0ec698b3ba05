using CsCheck;

namespace Derecho.Tests.Persistence;

/// <summary>Crashes at every step of appending, segment creation, trim and truncate, on a disk that loses unsynced writes.</summary>
public sealed class CrashConsistencyTests
{
    public static TheoryData<string> Scenarios => ["appends", "trim", "truncate", "trim-then-truncate"];

    private static IEnumerable<LogOperation> Scenario(string name)
    {
        // 300-byte values in 4 KiB segments: about 12 records a segment, so every scenario crosses segments.
        IEnumerable<LogOperation> Appends(int count, int commitEvery) => Enumerable.Range(0, count).SelectMany(i =>
            (i + 1) % commitEvery == 0
                ? new[] { new LogOperation(LogOperationKind.Append, 300), new LogOperation(LogOperationKind.Commit, 0) }
                : [new LogOperation(LogOperationKind.Append, 300)]);
        return name switch
        {
            "appends" => [.. Appends(40, 7), new(LogOperationKind.Commit, 0)],
            "trim" => [.. Appends(36, 12), new(LogOperationKind.Trim, 20), .. Appends(6, 3)],
            "truncate" => [.. Appends(36, 12), new(LogOperationKind.Truncate, 5), .. Appends(6, 3)],
            "trim-then-truncate" => [.. Appends(30, 10), new(LogOperationKind.Trim, 14), new(LogOperationKind.Truncate, 3), .. Appends(4, 2)],
            _ => throw new ArgumentException(name),
        };
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void EveryCrashPointRecoversAnAllowedLog(string scenario)
    {
        var operations = Scenario(scenario).ToList();
        int opened, steps;
        using (var clean = new LogCrashHarness(0))
        {
            opened = clean.Disk.Steps;
            operations.ForEach(clean.Run);
            steps = clean.Disk.Steps;
        }
        Assert.True(steps - opened > 20, $"the scenario makes only {steps - opened} steps");
        for (var crashAt = opened; crashAt < steps; crashAt++)
        {
            for (var seed = 0; seed < 4; seed++)
            {
                using var harness = new LogCrashHarness(seed);
                harness.Disk.CrashAtStep = crashAt;
                try
                {
                    operations.ForEach(harness.Run);
                    // Then the log must take more versions and keep them across a clean crash.
                    harness.Run(new LogOperation(LogOperationKind.Append, 50));
                    harness.Run(new LogOperation(LogOperationKind.Commit, 0));
                    harness.Run(new LogOperation(LogOperationKind.Crash, 0));
                }
                catch (Exception e) when (e is not SimulatedCrashException)
                {
                    Assert.Fail($"scenario {scenario}, crash at step {crashAt}, seed {seed}: {e}");
                }
                Assert.Equal(2, harness.Crashes);
            }
        }
    }

    private static readonly Gen<LogOperation> Operation = Gen.Frequency(
        (12, Gen.Int[0, 700].Select(size => new LogOperation(LogOperationKind.Append, size))),
        (4, Gen.Const(new LogOperation(LogOperationKind.Commit, 0))),
        (1, Gen.Int[0, 1000].Select(i => new LogOperation(LogOperationKind.Trim, i))),
        (1, Gen.Int[0, 1000].Select(i => new LogOperation(LogOperationKind.Truncate, i))),
        (1, Gen.Const(new LogOperation(LogOperationKind.Crash, 0))));

    private static void RunWithCrashes(LogOperation[] operations, int crashEvery, int seed)
    {
        using var harness = new LogCrashHarness(seed);
        var random = new Random(seed);
        foreach (var operation in operations)
        {
            if (harness.Disk.CrashAtStep < harness.Disk.Steps && random.Next(crashEvery) == 0)
            {
                harness.Disk.CrashAtStep = harness.Disk.Steps + random.Next(4);
            }
            harness.Run(operation);
        }
        harness.Run(new LogOperation(LogOperationKind.Crash, 0));
    }

    [Fact]
    public void RandomOperationsAndCrashesMatchTheModel() =>
        Gen.Select(Operation.Array[1, 80], Gen.Int[2, 12], Gen.Int)
            .Sample((operations, crashEvery, seed) => RunWithCrashes(operations, crashEvery, seed), iter: 300);

    [Fact]
    [Slow]
    public void RandomOperationsAndCrashesMatchTheModelLong() =>
        Gen.Select(Operation.Array[1, 400], Gen.Int[2, 30], Gen.Int)
            .Sample((operations, crashEvery, seed) => RunWithCrashes(operations, crashEvery, seed), iter: 20_000);
}
