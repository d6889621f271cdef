import { CHAOSLIB_SHIM } from './chaoslib-shim.js';

/**
 * The Python side of the per-run interpreter. It reads one JSON request per line on file
 * descriptor 3 and answers on the same descriptor, so whatever activities print never mixes
 * with the protocol. Foreground requests run one at a time on the main thread, as chaos run
 * calls activities and hooks; background ones (activities, hypothesis checks during the
 * method) each in a thread, as chaoslib's pool. All of them share the interpreter's modules.
 *
 * SIGUSR1 and SIGUSR2 that reach this process (chaoslib.exit sends them to its own pid) raise
 * SystemExit(20)/(30) in the foreground call, as chaoslib's handler does, and the reply names
 * the signal; with no foreground call running they are passed on to the runner in the channel
 * (a reply with id 0). A background call's own exit_gracefully() is passed on before its reply.
 * When chaostoolkit-lib is not installed, stand-ins for what extensions import of it are
 * registered (chaoslib-shim.ts) so extensions and control modules still load.
 *
 * Control modules run here too (ops control-hooks, control-validate, control-call), so a
 * control's module globals are the ones the run's Python activities see. control-call answers
 * with what the hook changed in the objects chaoslib hands it by reference (controls/changes.ts).
 */
export const HELPER_SCRIPT = String.raw`
import copy, importlib, importlib.util, inspect, json, logging, os, queue, signal, sys, threading, traceback, types
import faulthandler

# A crash in native code still leaves the Python traceback of every thread on stderr.
faulthandler.enable()

# Modules beside the experiment file are found after those of the working directory and PYTHONPATH.
for directory in sys.argv[1:]:
    if directory not in sys.path:
        sys.path.append(directory)
channel_in = open(3, "rb", closefd=False)
write_lock = threading.Lock()


# The foreground call running on the main thread now: {"id": ..., "cancelled": bool}, or None.
foreground = {"call": None}
# Ids of foreground calls the runner cancelled before the main thread took them up; the lock
# makes "is it running? else remember it" and "start it, unless cancelled" one step each.
cancelled_before_start = set()
cancel_lock = threading.Lock()


class ExitSignalled(SystemExit):
    """chaoslib's SIGUSR1/SIGUSR2 handler: SystemExit(20) or SystemExit(30) in the main thread."""

    def __init__(self, signum):
        SystemExit.__init__(self, 20 if signum == signal.SIGUSR1 else 30)
        self.signum = signum


EXIT_SIGNALS = {signal.SIGUSR1: "SIGUSR1", signal.SIGUSR2: "SIGUSR2"}
exit_signal_lock = threading.Lock()


def pass_on(signum):
    # id 0 answers no call: the runner takes the signal as if it had been sent to it.
    send({"id": 0, "signal": EXIT_SIGNALS[signum]})


def on_exit_signal(signum, frame):
    # As in chaos run, the signal stops the foreground activity or hook at once; with none
    # running (the main thread idle, or a background call), the runner is told instead.
    with exit_signal_lock:
        if foreground["call"] is None:
            pass_on(signum)
            return
    raise ExitSignalled(signum)


real_kill, real_raise_signal = os.kill, signal.raise_signal


def exit_from_background(signum):
    # chaoslib.exit signals its own pid, and the kernel hands such a signal to the main thread
    # whenever that thread next runs: a background call that exits gracefully as its last act
    # would see its reply reach the runner first, and the run end "completed". Told here, in the
    # channel, the signal precedes the reply; a foreground call is stopped as the signal would.
    with exit_signal_lock:
        if foreground["call"] is None:
            pass_on(signum)
            return
    signal.pthread_kill(threading.main_thread().ident, signum)


def kill(pid, signum):
    if pid == os.getpid() and signum in EXIT_SIGNALS and threading.current_thread() is not threading.main_thread():
        return exit_from_background(signum)
    return real_kill(pid, signum)


def raise_signal(signum):
    if signum in EXIT_SIGNALS and threading.current_thread() is not threading.main_thread():
        return exit_from_background(signum)
    return real_raise_signal(signum)


os.kill, signal.raise_signal = kill, raise_signal


def on_interrupt(signum, frame):
    # Ctrl-C reaches the whole process group: the runner decides what it interrupts, and
    # stops this interpreter when the run ends. (A handler, not SIG_IGN, so the processes that
    # activities start still get SIGINT.) The runner's "cancel" of the foreground call ends up
    # here too (a SIGINT sent to the main thread) and stops that call.
    call = foreground["call"]
    if call is not None and call["cancelled"]:
        raise KeyboardInterrupt("the runner interrupted this call")


signal.signal(signal.SIGUSR1, on_exit_signal)
signal.signal(signal.SIGUSR2, on_exit_signal)
signal.signal(signal.SIGINT, on_interrupt)


${CHAOSLIB_SHIM}


def configure_logging():
    # chaos run logs to its console at INFO (DEBUG with --verbose), in its own format; the
    # runner passes this process's stderr on to its console and log file.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s %(levelname)s] %(message)s", "%Y-%m-%d %H:%M:%S"))
    level = logging.DEBUG if os.environ.get("FAULTLINE_VERBOSE") == "1" else logging.INFO
    logging.basicConfig(level=level, handlers=[handler])


configure_logging()


def to_json(value):
    # datetime, date and time as chaos's journal writes them; anything else as its str().
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def send(message):
    data = (json.dumps(message, default=to_json) + "\n").encode("utf-8")
    with write_lock:
        view = memoryview(data)
        while view:
            written = os.write(3, view)
            view = view[written:]


class Invalid(Exception):
    pass


def import_module(request):
    name = request["module"]
    try:
        return importlib.import_module(name)
    except Exception as error:
        message = "could not find Python module '%s' in activity '%s'" % (name, request["activity"])
        if isinstance(error, ModuleNotFoundError) and error.name == name:
            raise Invalid(
                "%s (working directory %s; install it, or add its folder to PYTHONPATH)" % (message, os.getcwd())
            )
        # Found, but its own import failed: the real cause (what it imports, its own error).
        raise Invalid("%s (%s: %s)" % (message, type(error).__name__, error))


def find(request):
    """Validation's lookup, chaoslib's: only a function or a builtin of the module."""
    name, func_name = request["module"], request["func"]
    module = import_module(request)
    candidates = dict(inspect.getmembers(module, inspect.isfunction))
    candidates.update(inspect.getmembers(module, inspect.isbuiltin))
    if func_name not in candidates:
        raise Invalid(
            "The python module '%s' does not expose a function called '%s' in %s '%s'"
            % (name, func_name, request["type"], request["activity"])
        )
    return candidates[func_name]


def find_callable(request):
    """The run's lookup, chaoslib's getattr: any callable attribute (random.choice, a class, a partial)."""
    module = import_module(request)
    func = getattr(module, request["func"], None)
    if not callable(func):
        raise Invalid(
            "The python module '%s' does not expose a function called '%s' in %s '%s'"
            % (request["module"], request["func"], request["type"], request["activity"])
        )
    return func


def check_signature(func, request):
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return
    arguments = dict(request["arguments"])
    for injected in ("configuration", "secrets"):
        if injected in signature.parameters:
            arguments[injected] = None
    try:
        signature.bind(**arguments)
    except TypeError as error:
        message = str(error)
        if "missing" in message:
            raise Invalid(
                "required argument %s is missing from activity '%s'"
                % (message.rsplit(":", 1)[1].strip(), request["func"])
            )
        if "unexpected" in message:
            raise Invalid(
                "argument %s is not part of the function signature in activity '%s'"
                % (message.rsplit(" ", 1)[1].strip(), request["func"])
            )
        raise Invalid(
            "the arguments of activity '%s' do not fit the signature of %s.%s%s: %s"
            % (request["activity"], request["module"], request["func"], signature, message)
        )


def call(func, request):
    arguments = dict(request["arguments"])
    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):
        parameters = {}
    if request.get("configuration") is not None and "configuration" in parameters:
        arguments["configuration"] = dict(request["configuration"])
    if request.get("secrets") is not None and "secrets" in parameters:
        arguments["secrets"] = dict(request["secrets"])
    return func(**arguments)


def control_module(request):
    try:
        return importlib.import_module(request["module"])
    except BaseException as error:
        raise Invalid("%s: %s" % (type(error).__name__, error))


def control_hooks(request):
    module = control_module(request)
    return [name for name in request["hooks"] if callable(getattr(module, name, None))]


def validate_control(request):
    func = getattr(control_module(request), request["func"], None)
    if callable(func):
        func(request["control"])


# What chaoslib hands a control hook besides its own arguments, each only where the hook names it.
NAMED_GIVEN = ("secrets", "configuration", "state", "experiment", "extensions", "settings")
# Those chaoslib hands by reference: what a hook changes in them is sent back as changes.
SHARED = ("context", "experiment", "extensions", "state", "configuration", "secrets")


def changes(before, after, path):
    if isinstance(before, dict) and isinstance(after, dict):
        found = [{"path": path + [key], "delete": True} for key in before if key not in after]
        for key, value in after.items():
            if key in before:
                found.extend(changes(before[key], value, path + [key]))
            else:
                found.append({"path": path + [key], "value": value})
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        found = []
        for index, (old, new) in enumerate(zip(before, after)):
            found.extend(changes(old, new, path + [index]))
        return found
    if type(before) is type(after) and before == after:
        return []
    return [{"path": path, "value": after}]


def call_control(request, reply):
    func = getattr(control_module(request), request["func"], None)
    if not callable(func):
        return
    given = request.get("given") or {}
    arguments = dict(request["arguments"])
    parameters = inspect.signature(func).parameters
    for name in NAMED_GIVEN:
        if name in parameters and name in given:
            arguments[name] = given[name]
    if "context" in given:
        arguments["context"] = given["context"]
    handed = {name: arguments[name] for name in SHARED if name in arguments}
    before = copy.deepcopy(handed)
    try:
        func(**arguments)
    finally:
        # Changes stay made when the hook raises, as they do in chaoslib's own process.
        reply["changes"] = {name: changes(before[name], value, []) for name, value in handed.items()}


def handle(request, main=False):
    reply = {"id": request["id"]}
    try:
        if main:
            with cancel_lock:
                foreground["call"] = {"id": request["id"], "cancelled": False}
                cancelled = request["id"] in cancelled_before_start
                cancelled_before_start.discard(request["id"])
            if cancelled:
                foreground["call"] = None
                raise KeyboardInterrupt("the runner interrupted this call before it started")
        try:
            op = request["op"]
            if op == "validate":
                check_signature(find(request), request)
                reply["valid"] = True
            elif op == "control-hooks":
                reply["functions"] = control_hooks(request)
            elif op == "control-validate":
                validate_control(request)
                reply["valid"] = True
            elif op == "control-call":
                call_control(request, reply)
            else:
                reply["output"] = call(find_callable(request), request)
        finally:
            foreground["call"] = None
    except Invalid as error:
        reply["invalid"] = str(error)
    except ExitSignalled as error:
        reply["exit"] = error.code
        reply["signal"] = "SIGUSR1" if error.signum == signal.SIGUSR1 else "SIGUSR2"
    except SystemExit as error:
        reply["exit"] = error.code
    except BaseException as error:
        # Module-qualified as chaoslib and Python's traceback print it (myerr.MyError: custom).
        reply["failed"] = traceback.format_exception_only(type(error), error)[-1].strip()
        reply["message"] = str(error)
        reply["exception"] = "%s.%s" % (type(error).__module__, type(error).__qualname__)
        frames = error.__traceback__
        # The user's frames only: skip this script's handle() and the op's function (call(), call_control()...).
        for _ in range(2):
            if frames is not None and frames.tb_next is not None:
                frames = frames.tb_next
        reply["traceback"] = traceback.format_exception(type(error), error, frames)
    try:
        send(reply)
    except (TypeError, ValueError) as error:
        send({"id": request["id"], "failed": "the result is not JSON: %s" % error})


main_calls = queue.Queue()


def read_requests():
    for line in channel_in:
        request = json.loads(line)
        environ = request.pop("environ", None)
        if environ is not None:
            for name in [name for name in os.environ if name not in environ]:
                del os.environ[name]
            os.environ.update(environ)
        if request["op"] == "cancel":
            with cancel_lock:
                call = foreground["call"]
                if call is not None and call["id"] == request["target"]:
                    call["cancelled"] = True
                    # A real signal, so a blocking call (time.sleep, a socket read) is cut short too.
                    signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
                else:
                    # Still queued behind another call (or not read yet): it must never start.
                    cancelled_before_start.add(request["target"])
        elif request.get("background"):
            threading.Thread(target=handle, args=(request,), daemon=True).start()
        else:
            main_calls.put(request)
    main_calls.put(None)


# Foreground activities and hooks run on the main thread, as chaos run calls them (signal.signal,
# asyncio's default loop and chaoslib's exit handlers work there); background ones in threads.
threading.Thread(target=read_requests, daemon=True).start()
while True:
    request = main_calls.get()
    if request is None:
        break
    handle(request, main=True)
`;
