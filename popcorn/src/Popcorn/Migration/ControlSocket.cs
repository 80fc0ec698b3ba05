using System.Net.Sockets;
using System.Text;
using Popcorn.Emulation;

namespace Popcorn.Migration;

/// <summary>A request on the control socket: move one thread, or every thread, to an ISA.</summary>
/// <param name="To">The destination.</param>
/// <param name="Thread">The guest thread id, or null for every live thread.</param>
public readonly record struct ControlRequest(Isa To, int? Thread)
{
    /// <summary>Longest request line accepted.</summary>
    public const int MaxLineLength = 128;

    /// <summary>The request's line: <c>migrate ISA [THREAD]</c>.</summary>
    public string Format() => Thread is { } thread
        ? $"migrate {To.Name()} {thread.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
        : $"migrate {To.Name()}";

    /// <summary>Parses a request line.</summary>
    /// <exception cref="FormatException">Not <c>migrate ISA [THREAD]</c>, naming what is wrong.</exception>
    public static ControlRequest Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 2 or > 3 || parts[0] != "migrate")
        {
            throw new FormatException($"expected 'migrate ISA [THREAD]', got '{Shorten(line)}'");
        }
        var isa = IsaNames.Parse(parts[1]) ?? throw new FormatException($"'{Shorten(parts[1])}' is neither aarch64 nor riscv64");
        if (parts.Length == 2)
        {
            return new ControlRequest(isa, null);
        }
        return int.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var thread)
            ? new ControlRequest(isa, thread)
            : throw new FormatException($"thread '{Shorten(parts[2])}' is not a thread id");
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}

/// <summary>
/// The control socket of a running <c>popcorn run</c>: a Unix domain socket named by the host process id, on which
/// <c>popcorn migrate PID --to ISA</c> asks threads to move. Each connection carries one request line and gets one
/// reply line, <c>ok …</c> or <c>error …</c>; the request is handed to the <see cref="MigrationController"/>, which
/// applies it between quanta, and the thread moves at its next migration point. A malformed line gets an error and
/// the connection is closed; the program runs on.
/// </summary>
public sealed class ControlSocket : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly MigrationController _controller;
    private readonly CancellationTokenSource _stop = new();

    private ControlSocket(Socket listener, string path, MigrationController controller)
    {
        _listener = listener;
        Path = path;
        _controller = controller;
        _ = AcceptAsync(_stop.Token);
    }

    /// <summary>The socket's file.</summary>
    public string Path { get; }

    /// <summary>
    /// The folder of control sockets: <c>POPCORN_CONTROL_DIR</c> when set, else <c>$XDG_RUNTIME_DIR/popcorn</c>, else
    /// <c>/tmp/popcorn-USER</c>.
    /// </summary>
    public static string Folder =>
        Environment.GetEnvironmentVariable("POPCORN_CONTROL_DIR") is { Length: > 0 } chosen ? chosen
        : Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime ? System.IO.Path.Combine(runtime, "popcorn")
        : System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"popcorn-{Environment.UserName}");

    /// <summary>The control socket of the <c>popcorn run</c> with host process id <paramref name="processId"/>.</summary>
    public static string PathFor(int processId) => System.IO.Path.Combine(Folder, $"{processId.ToString(System.Globalization.CultureInfo.InvariantCulture)}.sock");

    /// <summary>Listens on this process's control socket (replacing a stale one left by a process with the same id).</summary>
    /// <exception cref="SocketException">The socket cannot be created.</exception>
    public static ControlSocket Start(MigrationController controller)
    {
        ArgumentNullException.ThrowIfNull(controller);
        Directory.CreateDirectory(Folder);
        var path = PathFor(Environment.ProcessId);
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(8);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        return new ControlSocket(listener, path, controller);
    }

    /// <summary>Sends <paramref name="request"/> to the <c>popcorn run</c> with host process id <paramref name="processId"/>
    /// and returns its reply line.</summary>
    /// <exception cref="FileNotFoundException">No such process has a control socket.</exception>
    /// <exception cref="TimeoutException">No reply within <paramref name="timeout"/>.</exception>
    public static async Task<string> SendAsync(int processId, ControlRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var path = PathFor(processId);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no running 'popcorn run' has process id {processId} (no control socket at {path})", path);
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), deadline.Token).ConfigureAwait(false);
            await socket.SendAsync(Encoding.ASCII.GetBytes(request.Format() + "\n"), SocketFlags.None, deadline.Token).ConfigureAwait(false);
            return await ReadLineAsync(socket, 4096, deadline.Token).ConfigureAwait(false) ?? "error: the process closed the connection without a reply";
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
        {
            throw new FileNotFoundException($"no running 'popcorn run' has process id {processId} (its control socket {path} is stale)", path, e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"process {processId} did not answer within {timeout.TotalSeconds:F0} s");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        File.Delete(Path);
        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            _ = ServeAsync(client, cancellationToken);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken cancellationToken)
    {
        using (client)
        {
            string reply;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var line = await ReadLineAsync(client, ControlRequest.MaxLineLength, timeout.Token).ConfigureAwait(false);
                if (line is null)
                {
                    return;
                }
                reply = await _controller.RequestFromOutsideAsync(ControlRequest.Parse(line), timeout.Token).ConfigureAwait(false);
            }
            catch (FormatException e)
            {
                reply = $"error: {e.Message}";
            }
            catch (OperationCanceledException)
            {
                reply = "error: the program ended before the request was applied";
            }
            catch (SocketException)
            {
                return;
            }
            try
            {
                await client.SendAsync(Encoding.UTF8.GetBytes(reply + "\n"), SocketFlags.None, CancellationToken.None).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                // The client left.
            }
        }
    }

    /// <summary>Reads one line (without its newline) of at most <paramref name="limit"/> bytes; null when the peer closed first.</summary>
    /// <exception cref="FormatException">The line is longer than the limit or not ASCII text.</exception>
    private static async Task<string?> ReadLineAsync(Socket socket, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[limit + 1];
        var length = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return length == 0 ? null : Decode(buffer.AsSpan(0, length));
            }
            var newline = Array.IndexOf(buffer, (byte)'\n', length, read);
            length += read;
            if (newline >= 0)
            {
                return Decode(buffer.AsSpan(0, newline));
            }
            if (length > limit)
            {
                throw new FormatException($"request longer than {limit} bytes");
            }
        }
    }

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is < 0x20 or > 0x7E && b != '\r' && b != '\t')
            {
                throw new FormatException("the request is not a line of text");
            }
        }
        return Encoding.ASCII.GetString(bytes).TrimEnd('\r');
    }
}
