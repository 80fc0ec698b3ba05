namespace Derecho.Configuration;

/// <summary>One <c>key = value</c> setting and where it came from.</summary>
/// <param name="Section">The section, e.g. <c>DERECHO</c> or <c>SUBGROUP/DEFAULT</c>.</param>
/// <param name="Key">The key inside the section, e.g. <c>local_id</c>.</param>
/// <param name="Value">The value with surrounding blanks and quotes removed.</param>
/// <param name="Origin">Where the setting was written, e.g. <c>derecho.cfg:12</c> or <c>command line</c>.</param>
public sealed record ConfigurationEntry(string Section, string Key, string Value, string Origin)
{
    /// <summary>The setting's full name as Derecho writes it: <c>SECTION/key</c>.</summary>
    public string Name => Section + "/" + Key;
}
