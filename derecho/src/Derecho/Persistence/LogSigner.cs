using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Derecho.Persistence;

/// <summary>
/// Derecho's signed logs (<c>enable_signatures</c>): each version's record carries the previous version's signature
/// and its own, an ECDSA P-256 signature over the version number, the value and that previous signature, so that
/// the chain can only be extended by the key's holder and any change to a past version breaks every later
/// signature. A trimmed log still verifies: its oldest record carries the signature it chained from.
/// </summary>
public sealed class LogSigner : IDisposable
{
    /// <summary>The bytes of one signature (IEEE P1363 r‖s for P-256).</summary>
    public const int SignatureSize = 64;

    private readonly ECDsa _key;
    private readonly bool _canSign;

    private LogSigner(ECDsa key, bool canSign)
    {
        _key = key;
        _canSign = canSign;
    }

    /// <summary>A signer with a fresh P-256 key.</summary>
    public static LogSigner Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256), canSign: true);

    /// <summary>A signer (or, for a public key, a verifier) from PEM text, e.g. the file <c>PERS/private_key_file</c> names.</summary>
    /// <exception cref="ArgumentException">The text holds no P-256 key.</exception>
    public static LogSigner FromPem(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.KeySize != 256)
            {
                throw new ArgumentException($"the key is a {key.KeySize}-bit curve; signed logs use P-256", nameof(pem));
            }
            var canSign = pem.Contains("PRIVATE KEY", StringComparison.Ordinal);
            return new LogSigner(key, canSign);
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new ArgumentException($"no usable EC key in the PEM text: {e.Message}", nameof(pem), e);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The private key as PEM (to write the file <c>PERS/private_key_file</c> names).</summary>
    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>The public key as PEM, for verifiers.</summary>
    public string ExportPublicKeyPem() => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>
    /// Writes <paramref name="value"/>, <paramref name="previous"/> and the signature over them and
    /// <paramref name="version"/> into <paramref name="record"/>, which holds the value and two signatures.
    /// </summary>
    internal void Sign(long version, ReadOnlySpan<byte> value, ReadOnlySpan<byte> previous, Span<byte> record)
    {
        if (!_canSign)
        {
            throw new InvalidOperationException("this key is public; only the private key signs");
        }
        value.CopyTo(record);
        previous.CopyTo(record[value.Length..]);
        var signed = SignedBytes(version, record[..(value.Length + SignatureSize)]);
        if (!_key.TrySignData(signed, record[(value.Length + SignatureSize)..], HashAlgorithmName.SHA256, out _))
        {
            throw new CryptographicException("signing failed");
        }
    }

    /// <summary>Whether the record's own signature covers its version, value and previous signature.</summary>
    internal bool Verify(long version, ReadOnlySpan<byte> record) =>
        record.Length >= 2 * SignatureSize
        && _key.VerifyData(SignedBytes(version, record[..^SignatureSize]), record[^SignatureSize..], HashAlgorithmName.SHA256);

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private static byte[] SignedBytes(long version, ReadOnlySpan<byte> valueAndPrevious)
    {
        var bytes = new byte[8 + valueAndPrevious.Length];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, version);
        valueAndPrevious.CopyTo(bytes.AsSpan(8));
        return bytes;
    }
}

/// <summary>A signed log's version fails verification: its value, or the chain before it, was changed.</summary>
public sealed class LogSignatureException(string message) : CryptographicException(message);

/// <summary>
/// The signature chain of one log (Derecho's signed logs): every version is appended as its payload, the previous
/// version's signature and its own signature over both and the version number; the whole chain is verified when the
/// chain opens, and each version when its payload is read. Not thread-safe: the owner serializes appends.
/// </summary>
public sealed class SignatureChain
{
    private readonly PersistentLog _log;
    private readonly LogSigner _signer;
    private byte[] _record = [];
    private byte[] _last = new byte[LogSigner.SignatureSize];

    /// <summary>Opens the chain of <paramref name="log"/>, verifying every version it holds.</summary>
    /// <exception cref="LogSignatureException">A version fails its signature or does not chain from the one before it.</exception>
    public SignatureChain(PersistentLog log, LogSigner signer)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(signer);
        _log = log;
        _signer = signer;
        ReadOnlyMemory<byte> previous = default;
        foreach (var entry in log.Enumerate())
        {
            var data = entry.Data.Span;
            if (!signer.Verify(entry.Version, data))
            {
                throw new LogSignatureException($"{log.Directory}: version {entry.Version} fails its signature");
            }
            if (!previous.IsEmpty && !data[^(2 * LogSigner.SignatureSize)..^LogSigner.SignatureSize].SequenceEqual(previous.Span))
            {
                throw new LogSignatureException($"{log.Directory}: version {entry.Version} does not chain from the version before it");
            }
            previous = entry.Data[^LogSigner.SignatureSize..];
        }
        Resume();
    }

    /// <summary>The bytes a signed version adds to its payload.</summary>
    public const int Overhead = 2 * LogSigner.SignatureSize;

    /// <summary>Appends <paramref name="payload"/> as <paramref name="version"/>, signed in the chain (staged until the log commits).</summary>
    public void Append(long version, HlcTimestamp time, ReadOnlySpan<byte> payload)
    {
        var size = payload.Length + Overhead;
        if (_record.Length < size)
        {
            _record = new byte[Math.Max(size, 2 * _record.Length)];
        }
        _signer.Sign(version, payload, _last, _record);
        _log.Append(version, time, _record.AsSpan(0, size));
        _last = _record[(size - LogSigner.SignatureSize)..size];
    }

    /// <summary>The payload of <paramref name="entry"/>, once its signature is verified.</summary>
    /// <exception cref="LogSignatureException">The version fails its signature.</exception>
    public ReadOnlyMemory<byte> Payload(LogEntry entry)
    {
        if (!_signer.Verify(entry.Version, entry.Data.Span))
        {
            throw new LogSignatureException($"{_log.Directory}: version {entry.Version} fails its signature");
        }
        return entry.Data[..^Overhead];
    }

    /// <summary>Continues the chain from the log's latest version (after a truncate removed the newest ones).</summary>
    public void Resume() =>
        _last = _log.Latest is { } latest ? latest.Data[^LogSigner.SignatureSize..].ToArray() : new byte[LogSigner.SignatureSize];
}
