"""The voice assistant: typed or spoken commands in en / zh-CN / ja → the car (and the home).

Flow: audio → VAD → speech-to-text → speaker → understanding → action through the
client → spoken and on-screen reply (see docs/assistant.md). Entry points:

    await run_assistant(client, AssistantSettings(), stop=stop)     # the vehicle app
    result = await ask(client, "open my window", seat="passenger")   # one utterance
    result.text, result.changes, result.home_commands
    voices = await VoicePipeline(Assistant(client)).process(samples, 44100, seat="driver")
"""

from renkei.apps.assistant.assistant import AskResult, Assistant, AssistantInputError, SignalChange, ask
from renkei.apps.assistant.service import AssistantService, run_assistant
from renkei.apps.assistant.settings import AssistantSettings, LlmSettings
from renkei.apps.assistant.understanding import Command, HomeCommand, Understander
from renkei.apps.assistant.voice import VoicePipeline, VoiceResult

__all__ = [
    "AskResult",
    "Assistant",
    "AssistantInputError",
    "AssistantService",
    "AssistantSettings",
    "Command",
    "HomeCommand",
    "LlmSettings",
    "SignalChange",
    "Understander",
    "VoicePipeline",
    "VoiceResult",
    "ask",
    "run_assistant",
]
