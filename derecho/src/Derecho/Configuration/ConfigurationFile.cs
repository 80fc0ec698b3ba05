namespace Derecho.Configuration;

/// <summary>
/// Reads Derecho's GetPot-style configuration files: <c>[SECTION]</c> headers (which may contain <c>/</c>, as in
/// <c>[SUBGROUP/DEFAULT]</c>), <c>key = value</c> lines (a quoted value may span lines), and comments starting with <c>#</c> or <c>;</c>.
/// </summary>
public static class ConfigurationFile
{
    /// <summary>Reads and parses the file at <paramref name="path"/>.</summary>
    /// <exception cref="ConfigurationException">The file is missing, unreadable or malformed.</exception>
    public static IReadOnlyList<ConfigurationEntry> Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ConfigurationException($"cannot read configuration file '{path}': {e.Message}", e);
        }
        return Parse(text, Path.GetFileName(path));
    }

    /// <summary>Parses configuration text; <paramref name="sourceName"/> prefixes the origin of every entry.</summary>
    /// <exception cref="ConfigurationException">A line is neither a section, a setting, a comment nor blank.</exception>
    public static IReadOnlyList<ConfigurationEntry> Parse(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<ConfigurationEntry>();
        string? section = null;
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var lineNumber = index + 1;
            var line = StripComment(lines[index]).Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var origin = $"{sourceName}:{lineNumber}";
            if (line[0] == '[')
            {
                if (line[^1] != ']' || line.Length < 3)
                {
                    throw new ConfigurationException($"{origin}: malformed section header '{line}'; expected [SECTION]");
                }
                section = line[1..^1].Trim().Trim('/');
                if (section.Length == 0 || section.Contains(' ', StringComparison.Ordinal))
                {
                    throw new ConfigurationException($"{origin}: malformed section header '{line}'");
                }
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ConfigurationException($"{origin}: expected 'key = value' but found '{line}'");
            }
            var key = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            if (value.Length > 0 && (value[0] == '\'' || value[0] == '"') && value.IndexOf(value[0], 1) < 0)
            {
                value = ReadQuotedLines(lines, ref index, value, origin, key);
            }
            else
            {
                value = Unquote(value);
            }
            if (key.Length == 0 || key.Any(char.IsWhiteSpace))
            {
                throw new ConfigurationException($"{origin}: malformed key '{key}'");
            }
            // GetPot also accepts keys written with their full section path outside any section.
            var slash = key.LastIndexOf('/');
            if (slash > 0)
            {
                entries.Add(new ConfigurationEntry(key[..slash], key[(slash + 1)..], value, origin));
            }
            else if (section is null)
            {
                throw new ConfigurationException($"{origin}: key '{key}' appears before any [SECTION] header");
            }
            else
            {
                entries.Add(new ConfigurationEntry(section, key, value, origin));
            }
        }
        return entries;
    }

    /// <summary>
    /// Reads a quoted value that goes on past its line, as GetPot allows (Derecho writes <c>json_layout = '</c>
    /// followed by the JSON over many lines): the lines up to the one holding the closing quote, taken as they are
    /// (comment characters inside the quotes are text), joined by <c>\n</c>. Only a comment may follow the quote.
    /// </summary>
    /// <param name="lines">The file's lines.</param>
    /// <param name="index">The line where the value starts; on return, the line where it ends.</param>
    /// <param name="start">The value's part on its first line, from the opening quote.</param>
    /// <param name="origin">Where the value starts, for errors.</param>
    /// <param name="key">The key, for errors.</param>
    private static string ReadQuotedLines(string[] lines, ref int index, string start, string origin, string key)
    {
        var quote = start[0];
        var value = new System.Text.StringBuilder(start, 1, start.Length - 1, start.Length + 256);
        for (index++; index < lines.Length; index++)
        {
            var line = lines[index].TrimEnd('\r');
            value.Append('\n');
            var end = line.IndexOf(quote, StringComparison.Ordinal);
            if (end < 0)
            {
                value.Append(line);
                continue;
            }
            value.Append(line, 0, end);
            if (StripComment(line[(end + 1)..]).Trim().Length > 0)
            {
                throw new ConfigurationException($"{origin}: the quoted value of '{key}' ends on line {index + 1} with more text after its closing quote");
            }
            return value.ToString();
        }
        throw new ConfigurationException($"{origin}: the quoted value of '{key}' has no closing {quote}");
    }

    private static string StripComment(string line)
    {
        var inQuotes = false;
        for (var i = 0; i < line.Length; i++)
        {
            switch (line[i])
            {
                case '\'' or '"':
                    inQuotes = !inQuotes;
                    break;
                case '#' or ';' when !inQuotes:
                    return line[..i];
            }
        }
        return line;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0] ? value[1..^1] : value;
}
