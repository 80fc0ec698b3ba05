using System.Buffers;
using System.IO.Hashing;
using System.Text;
using Derecho.Rpc;
using MessagePack;

namespace Derecho.Kv;

/// <summary>
/// One shard of the key-value store: a replicated map from string keys to byte values. Writes are ordered (every
/// replica of the shard applies them in the same order); reads are P2P (one replica answers) or ordered (every
/// replica answers, at a point in the shard's order). Every change is pushed to subscribed clients as a
/// notification <c>put KEY</c> or <c>remove KEY</c>.
/// </summary>
[Replicated]
public sealed partial class KvStore : IReplicatedState
{
    private readonly SortedDictionary<string, byte[]> _entries = new(StringComparer.Ordinal);
    private readonly ReplicaContext? _context;

    /// <summary>Creates an empty replica.</summary>
    public KvStore(ReplicaContext? context = null) => _context = context;

    /// <summary>How many keys the replica holds.</summary>
    public int Count => _entries.Count;

    /// <summary>The shard of <paramref name="key"/> among <paramref name="shards"/>: a hash of its UTF-8 bytes.</summary>
    public static int ShardOf(string key, int shards)
    {
        ArgumentNullException.ThrowIfNull(key);
        return (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(key)) % (uint)shards);
    }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>; true when the key is new.</summary>
    [Ordered]
    public bool Put(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        var added = !_entries.ContainsKey(key);
        _entries[key] = value;
        _context?.Notify(Encoding.UTF8.GetBytes("put " + key));
        return added;
    }

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    [Ordered]
    [P2P]
    public byte[]? Get(string key) => _entries.GetValueOrDefault(key);

    /// <summary>Removes <paramref name="key"/>; true when it was there.</summary>
    [Ordered]
    public bool Remove(string key)
    {
        var removed = _entries.Remove(key);
        if (removed)
        {
            _context?.Notify(Encoding.UTF8.GetBytes("remove " + key));
        }
        return removed;
    }

    /// <summary>Every key, in ordinal order.</summary>
    [Ordered]
    [P2P]
    public string[] ListKeys() => [.. _entries.Keys];

    /// <summary>The values of <paramref name="keys"/> (null where missing), in order.</summary>
    [Ordered]
    [P2P]
    public byte[]?[] MultiGet(string[] keys) => [.. keys.Select(k => _entries.GetValueOrDefault(k))];

    /// <inheritdoc />
    public void WriteState(IBufferWriter<byte> writer)
    {
        var messagePack = new MessagePackWriter(writer);
        messagePack.WriteMapHeader(_entries.Count);
        foreach (var (key, value) in _entries)
        {
            messagePack.Write(key);
            messagePack.Write(value);
        }
        messagePack.Flush();
    }

    /// <inheritdoc />
    public void ReadState(ReadOnlySequence<byte> state)
    {
        _entries.Clear();
        if (state.IsEmpty)
        {
            return;
        }
        var reader = new MessagePackReader(state);
        for (var count = reader.ReadMapHeader(); count > 0; count--)
        {
            var key = reader.ReadString() ?? throw new InvalidDataException("a null key in a key-value state");
            var value = reader.ReadBytes()?.ToArray() ?? [];
            _entries[key] = value;
        }
    }
}
