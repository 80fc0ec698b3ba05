namespace Derecho.Configuration;

/// <summary>
/// A configuration file, environment variable or <c>--SECTION/key=value</c> override that cannot be used: the message
/// names the source, the section and the key.
/// </summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception with a message naming the bad input.</summary>
    public ConfigurationException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message naming the bad input and the error behind it.</summary>
    public ConfigurationException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message; prefer the constructors that name the input.</summary>
    public ConfigurationException() : base("invalid configuration")
    {
    }
}
