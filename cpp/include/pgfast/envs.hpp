// The native classic-control environments, bit-exact with gymnasium.
#pragma once

#include "pgfast/envs/acrobot.hpp"
#include "pgfast/envs/cartpole.hpp"
#include "pgfast/envs/common.hpp"
#include "pgfast/envs/mountain_car.hpp"
#include "pgfast/envs/mountain_car_continuous.hpp"
#include "pgfast/envs/numpy_math.hpp"
#include "pgfast/envs/pendulum.hpp"
#include "pgfast/envs/vector.hpp"
