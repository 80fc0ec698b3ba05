using Xunit.v3;

namespace Systems.Testing;

/// <summary>
/// The test tiers (CONTRIBUTING.md). Untagged tests are unit tests; the default run excludes
/// <see cref="Slow"/> and <see cref="Stress"/>.
/// </summary>
public static class TestTiers
{
    /// <summary>The trait name the tiers use.</summary>
    public const string Trait = "Category";

    /// <summary>Real processes and sockets on 127.0.0.1; each under about 30 s.</summary>
    public const string Integration = "Integration";

    /// <summary>Exhaustive sweeps; not in the default run.</summary>
    public const string Slow = "Slow";

    /// <summary>Stress and soak runs; never in CI.</summary>
    public const string Stress = "Stress";
}

/// <summary>Marks a test that uses real processes or sockets (default tier, each under about 30 s).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class IntegrationAttribute : Attribute, ITraitAttribute
{
    /// <inheritdoc />
    public IReadOnlyCollection<KeyValuePair<string, string>> GetTraits() => [new(TestTiers.Trait, TestTiers.Integration)];
}

/// <summary>Marks an exhaustive sweep that only <c>./test.sh --all</c> runs.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class SlowAttribute : Attribute, ITraitAttribute
{
    /// <inheritdoc />
    public IReadOnlyCollection<KeyValuePair<string, string>> GetTraits() => [new(TestTiers.Trait, TestTiers.Slow)];
}

/// <summary>Marks a stress or soak run that CI never runs.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class StressAttribute : Attribute, ITraitAttribute
{
    /// <inheritdoc />
    public IReadOnlyCollection<KeyValuePair<string, string>> GetTraits() => [new(TestTiers.Trait, TestTiers.Stress)];
}
