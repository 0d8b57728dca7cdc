"""The routes of the emulator's IoT backend (moto reads ``<package>.urls`` beside a backend's models)."""

from emulator.iot.responses import EmulatorIoTResponse

url_bases = [r"https?://iot\.(.+)\.amazonaws\.com"]

url_paths = {
    "{0}/.*$": EmulatorIoTResponse.dispatch,
}
