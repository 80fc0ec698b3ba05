namespace Derecho.Tests.Restart;

/// <summary>Seeded schedules of <see cref="RestartSimulation"/>; a failing seed replays alone.</summary>
public sealed class RestartSimulationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void A_few_schedules_lose_nothing_durable_and_restart_to_identical_replicas(int seed) => Run(seed, rounds: 6);

    [Fact]
    [Slow]
    public void Many_schedules_lose_nothing_durable_and_restart_to_identical_replicas()
    {
        for (var seed = 100; seed < 1100; seed++)
        {
            Run(seed, rounds: 8);
        }
    }

    private static void Run(int seed, int rounds)
    {
        var simulation = new RestartSimulation(seed);
        try
        {
            simulation.Run(rounds);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"seed {seed} threw; trace:{Environment.NewLine}{simulation.Trace}", e);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed}: {e.Message}{Environment.NewLine}trace:{Environment.NewLine}{simulation.Trace}");
        }
    }
}
