using System.Security.Cryptography;
using System.Text;

namespace Popcorn.Toolchain;

/// <summary>
/// A directory of build products keyed by a hash of their inputs. An entry is built in a private directory and
/// moved into place in one rename, so concurrent builders never see half an entry.
/// </summary>
public static class BuildCache
{
    /// <summary>The cache root: <c>POPCORN_CACHE</c>, else <c>$XDG_CACHE_HOME/popcorn</c>, else <c>~/.cache/popcorn</c>.</summary>
    public static string Root
    {
        get
        {
            var explicitRoot = Environment.GetEnvironmentVariable("POPCORN_CACHE");
            if (!string.IsNullOrEmpty(explicitRoot))
            {
                return explicitRoot;
            }
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrEmpty(xdg))
            {
                return Path.Combine(xdg, "popcorn");
            }
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return string.IsNullOrEmpty(home) ? Path.Combine(Path.GetTempPath(), "popcorn-cache") : Path.Combine(home, ".cache", "popcorn");
        }
    }

    /// <summary>A hex SHA-256 over the given parts (file contents are read for parts that are existing file paths
    /// passed through <see cref="FileInput"/>).</summary>
    public static string Hash(IEnumerable<string> parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in parts)
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..24];
    }

    /// <summary>A hash part standing for a file's name and contents.</summary>
    public static string FileInput(string path) => $"{Path.GetFileName(path)}:{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))}";

    /// <summary>Returns the directory of the entry <paramref name="kind"/>/<paramref name="key"/>, running
    /// <paramref name="build"/> into a fresh directory first when the entry does not exist yet.</summary>
    public static string GetOrBuild(string kind, string key, Action<string> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var final = Path.Combine(Root, kind, key);
        if (Directory.Exists(final))
        {
            return final;
        }
        var staging = Path.Combine(Root, kind, $".{key}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            build(staging);
            try
            {
                Directory.Move(staging, final);
            }
            catch (IOException) when (Directory.Exists(final))
            {
                // Another builder won the race with an identical entry.
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
        return final;
    }
}
